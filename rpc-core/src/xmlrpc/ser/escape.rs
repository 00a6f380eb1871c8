//! Text escaped for XML character data, and the characters XML cannot carry.

use super::{EncodeError, Result};

/// Appends `text` escaped for XML character data. `\r` is written as a
/// reference so that end-of-line normalization keeps it; characters XML 1.0
/// cannot carry at all are refused, and then nothing is appended.
pub(crate) fn escape_into(out: &mut Vec<u8>, text: &str) -> Result {
    let len = out.len();
    let result = escape_all(out, text);
    if result.is_err() {
        out.truncate(len);
    }
    result
}

/// Whether XML 1.0 can carry `c` at all (its `Char` production; Rust strings
/// hold no surrogates).
pub(crate) fn is_xml_char(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

fn escape_all(out: &mut Vec<u8>, text: &str) -> Result {
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(offset) = bytes[start..].iter().position(|&b| SPECIAL[usize::from(b)]) {
        let i = start + offset;
        let replacement: &[u8] = match bytes[i] {
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'&' => b"&amp;",
            b'\r' => b"&#13;",
            // U+FFFE and U+FFFF, EF BF BE and EF BF BF in UTF-8.
            0xef => match bytes.get(i + 1..i + 3) {
                Some([0xbf, last @ (0xbe | 0xbf)]) => {
                    return Err(forbidden(if *last == 0xbe { 0xfffe } else { 0xffff }));
                }
                _ => {
                    out.extend_from_slice(&bytes[start..=i]);
                    start = i + 1;
                    continue;
                }
            },
            control => return Err(forbidden(control.into())),
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(replacement);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    Ok(())
}

/// The bytes that `escape_into` looks at twice: markup, `\r`, the control
/// characters XML forbids, and the lead byte of U+FFFE/U+FFFF.
pub(crate) static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != 0x09 && b != 0x0a;
        b += 1;
    }
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'&' as usize] = true;
    table[0xef] = true;
    table
};

fn forbidden(code_point: u32) -> EncodeError {
    EncodeError(format!(
        "the character U+{code_point:04X} cannot be carried by XML"
    ))
}
