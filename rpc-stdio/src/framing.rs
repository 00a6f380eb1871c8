//! How messages are cut out of a byte stream: [`Framing::ContentLength`]
//! (a header block before each message, as the Language Server Protocol
//! does) or [`Framing::Lines`] (one message per line, as the Model Context
//! Protocol's stdio transport does), and the reader that tells them apart
//! by the first bytes it reads.

use std::io;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};

/// How messages are delimited on the stream.
///
/// ```
/// use rpc_stdio::Framing;
///
/// let mut out = Vec::new();
/// Framing::ContentLength.encode(br#"{"jsonrpc":"2.0","result":1,"id":1}"#, &mut out);
/// assert!(out.starts_with(b"Content-Length: 35\r\n\r\n{"));
///
/// let mut out = Vec::new();
/// Framing::Lines.encode(br#"{"jsonrpc":"2.0","result":1,"id":1}"#, &mut out);
/// assert!(out.ends_with(b"}\n"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: N\r\n\r\n` then `N` bytes of JSON, as LSP frames
    /// its messages (other headers, such as `Content-Type`, are read and
    /// ignored).
    ContentLength,
    /// One JSON message per line, ended by `\n` (a `\r` before it is
    /// dropped; blank lines are skipped), as MCP's stdio transport does.
    /// Compact JSON has no raw line breaks, so any message fits on a line.
    Lines,
}

impl Framing {
    /// Appends `message`, framed, to `out`.
    pub fn encode(self, message: &[u8], out: &mut Vec<u8>) {
        match self {
            Self::ContentLength => {
                out.extend_from_slice(b"Content-Length: ");
                out.extend_from_slice(itoa::Buffer::new().format(message.len()).as_bytes());
                out.extend_from_slice(b"\r\n\r\n");
                out.extend_from_slice(message);
            }
            Self::Lines => {
                out.extend_from_slice(message);
                out.push(b'\n');
            }
        }
    }
}

/// The longest header line of a [`Framing::ContentLength`] message.
const MAX_HEADER_LINE: usize = 1024;

/// The most header lines before a [`Framing::ContentLength`] message.
const MAX_HEADERS: usize = 16;

/// What the reader found next on the stream.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A whole message.
    Message(Bytes),
    /// A message over the size bound: skipped, to be answered with an error.
    TooLarge(usize),
    /// A header block that cannot be read: the reason, to be answered with
    /// a parse error.
    BadHeader(String),
}

/// Reads frames from `input`; the framing is fixed, or told apart by the
/// first byte that is not white space (`{` or `[`: lines; anything else:
/// headers).
pub(crate) struct FrameReader<R> {
    input: BufReader<R>,
    framing: Option<Framing>,
    max_message_size: usize,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub(crate) fn new(input: R, framing: Option<Framing>, max_message_size: usize) -> Self {
        Self {
            input: BufReader::with_capacity(64 * 1024, input),
            framing,
            max_message_size,
        }
    }

    /// Whether input read from the stream waits in the buffer (the next
    /// frame may be read without waiting).
    pub(crate) fn has_buffered(&self) -> bool {
        !self.input.buffer().is_empty()
    }

    /// The framing, once known.
    pub(crate) fn framing(&self) -> Option<Framing> {
        self.framing
    }

    /// The next frame; `None` at the end of the input (a message cut short
    /// by the end is dropped).
    pub(crate) async fn next(&mut self) -> io::Result<Option<Frame>> {
        // Between messages: white space is skipped, in either framing.
        let first = loop {
            let buffer = self.input.fill_buf().await?;
            let Some(&first) = buffer.first() else {
                return Ok(None);
            };
            let blank = buffer
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            if blank == 0 {
                break first;
            }
            self.input.consume(blank);
        };
        let framing = *self.framing.get_or_insert(if matches!(first, b'{' | b'[') {
            Framing::Lines
        } else {
            Framing::ContentLength
        });
        match framing {
            Framing::Lines => self.line().await,
            Framing::ContentLength => self.headed().await,
        }
    }

    /// One line, within the size bound.
    async fn line(&mut self) -> io::Result<Option<Frame>> {
        let mut message = BytesMut::new();
        let mut over = 0usize;
        loop {
            let buffer = self.input.fill_buf().await?;
            if buffer.is_empty() {
                // The end of the input in the middle of a line: a message
                // without its line feed is still a message (`echo -n`).
                return Ok(match (message.is_empty(), over) {
                    (true, 0) => None,
                    (_, 0) => Some(Frame::Message(message.freeze())),
                    _ => Some(Frame::TooLarge(over)),
                });
            }
            let (chunk, done) = match memchr::memchr(b'\n', buffer) {
                Some(end) => (&buffer[..end], end + 1),
                None => (buffer, buffer.len()),
            };
            let ended = done > chunk.len();
            if over > 0 || message.len() + chunk.len() > self.max_message_size {
                over += message.len() + chunk.len();
                message.clear();
            } else {
                message.extend_from_slice(chunk);
            }
            self.input.consume(done);
            if ended {
                if over > 0 {
                    return Ok(Some(Frame::TooLarge(over)));
                }
                if message.last() == Some(&b'\r') {
                    message.truncate(message.len() - 1);
                }
                return Ok(Some(Frame::Message(message.freeze())));
            }
        }
    }

    /// A header block, then the body it announces.
    async fn headed(&mut self) -> io::Result<Option<Frame>> {
        let mut length: Option<usize> = None;
        let mut bad: Option<String> = None;
        let mut line = Vec::new();
        for _ in 0..=MAX_HEADERS {
            line.clear();
            let read = (&mut self.input)
                .take(MAX_HEADER_LINE as u64 + 1)
                .read_until(b'\n', &mut line)
                .await?;
            if read == 0 {
                return Ok(None);
            }
            if !line.ends_with(b"\n") {
                return Ok(Some(Frame::BadHeader(format!(
                    "a header line longer than {MAX_HEADER_LINE} bytes"
                ))));
            }
            let text = line.trim_ascii();
            if text.is_empty() {
                return Ok(Some(match (bad, length) {
                    (Some(reason), _) => Frame::BadHeader(reason),
                    (None, None) => Frame::BadHeader(
                        "no Content-Length header: frame each message as \
                         `Content-Length: N\\r\\n\\r\\n` and N bytes of JSON, \
                         or send one JSON message per line"
                            .into(),
                    ),
                    (None, Some(length)) => self.body(length).await?,
                }));
            }
            match text.iter().position(|&b| b == b':') {
                Some(colon) if text[..colon].eq_ignore_ascii_case(b"content-length") => {
                    let value = std::str::from_utf8(&text[colon + 1..]).unwrap_or("").trim();
                    match value.parse::<usize>() {
                        Ok(n) => length = Some(n),
                        Err(_) => {
                            bad = Some(format!("Content-Length `{value}` is not a number"));
                        }
                    }
                }
                Some(_) => {}
                None => {
                    bad = Some(format!(
                        "`{}` is not a header (`Name: value`)",
                        String::from_utf8_lossy(&text[..text.len().min(64)])
                    ));
                }
            }
        }
        Ok(Some(Frame::BadHeader(format!(
            "more than {MAX_HEADERS} header lines"
        ))))
    }

    /// `length` bytes of body; skipped past the size bound.
    async fn body(&mut self, length: usize) -> io::Result<Frame> {
        if length > self.max_message_size {
            let skipped = tokio::io::copy(
                &mut (&mut self.input).take(length as u64),
                &mut tokio::io::sink(),
            )
            .await?;
            if skipped < length as u64 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            return Ok(Frame::TooLarge(length));
        }
        let mut body = vec![0; length];
        self.input.read_exact(&mut body).await?;
        Ok(Frame::Message(body.into()))
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    /// Reads every frame of `input`, fed to the reader `chunk` bytes at a
    /// time.
    fn frames(input: &[u8], framing: Option<Framing>, chunk: usize, max: usize) -> Vec<Frame> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (mut writer, reader) = tokio::io::duplex(chunk);
            let input = input.to_vec();
            let feeding = async move {
                for piece in input.chunks(chunk) {
                    writer.write_all(piece).await.unwrap();
                }
            };
            let reading = async {
                let mut reader = FrameReader::new(reader, framing, max);
                let mut found = Vec::new();
                while let Ok(Some(frame)) = reader.next().await {
                    found.push(frame);
                }
                found
            };
            tokio::join!(feeding, reading).1
        })
    }

    fn message(text: &str) -> Frame {
        Frame::Message(Bytes::copy_from_slice(text.as_bytes()))
    }

    #[test]
    fn lines_are_told_apart_and_read_whole_whatever_the_chunks() {
        let input = b"\n{\"a\":1}\r\n\n[1,2]\n{\"last\":true}";
        for chunk in [1, 2, 3, 7, 64] {
            assert_eq!(
                frames(input, None, chunk, 1024),
                [
                    message("{\"a\":1}"),
                    message("[1,2]"),
                    message("{\"last\":true}")
                ],
                "chunks of {chunk}"
            );
        }
    }

    #[test]
    fn headed_messages_are_told_apart_and_read_whole_whatever_the_chunks() {
        let input = b"Content-Length: 7\r\n\r\n{\"a\":1}content-type: application/json\r\ncontent-length:5\r\n\r\n[1,2]\r\n";
        for chunk in [1, 2, 5, 64] {
            assert_eq!(
                frames(input, None, chunk, 1024),
                [message("{\"a\":1}"), message("[1,2]")],
                "chunks of {chunk}"
            );
        }
    }

    #[test]
    fn a_message_over_the_bound_is_skipped_and_the_next_is_read() {
        let long = format!("{{\"x\":\"{}\"}}", "y".repeat(100));
        let lines = format!("{long}\n{{\"ok\":1}}\n");
        assert_eq!(
            frames(lines.as_bytes(), None, 16, 32),
            [Frame::TooLarge(long.len()), message("{\"ok\":1}")]
        );
        let headed = format!(
            "Content-Length: {}\r\n\r\n{long}Content-Length: 8\r\n\r\n{{\"ok\":1}}",
            long.len()
        );
        assert_eq!(
            frames(headed.as_bytes(), None, 16, 32),
            [Frame::TooLarge(long.len()), message("{\"ok\":1}")]
        );
    }

    #[test]
    fn bad_headers_say_what_is_wrong() {
        let found = frames(
            b"Content-Type: x\r\n\r\n",
            Some(Framing::ContentLength),
            64,
            1024,
        );
        assert!(matches!(&found[..], [Frame::BadHeader(r)] if r.contains("no Content-Length")));
        let found = frames(b"Content-Length: ten\r\n\r\n", None, 64, 1024);
        assert!(matches!(&found[..], [Frame::BadHeader(r)] if r.contains("`ten`")));
        let found = frames(b"hello\r\n\r\n", None, 64, 1024);
        assert!(matches!(&found[..], [Frame::BadHeader(r)] if r.contains("`hello`")));
        let long = format!("X-{}: 1\r\n\r\n", "a".repeat(2000));
        let found = frames(long.as_bytes(), None, 64, 1024);
        assert!(matches!(&found[0], Frame::BadHeader(r) if r.contains("longer than")));
    }

    #[test]
    fn a_message_cut_short_by_the_end_is_dropped() {
        assert_eq!(
            frames(b"Content-Length: 50\r\n\r\n{\"a\"", None, 64, 1024),
            []
        );
    }
}
