//! The element names of XML-RPC, and how a name read from a document
//! becomes one.

/// The element names of XML-RPC, read once into a small enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    MethodCall,
    MethodName,
    MethodResponse,
    Params,
    Param,
    Fault,
    Value,
    Int,
    I8,
    Boolean,
    String,
    Double,
    DateTime,
    Base64,
    Nil,
    Struct,
    Member,
    MemberName,
    Array,
    Data,
    Other,
}

impl Tag {
    /// Whether the tag is a type of value held as text: `<int>` and the
    /// other numbers, `<boolean>`, `<string>`, `<dateTime.iso8601>`,
    /// `<base64>`.
    pub(crate) fn is_scalar(self) -> bool {
        matches!(
            self,
            Self::Int
                | Self::I8
                | Self::Boolean
                | Self::String
                | Self::Double
                | Self::DateTime
                | Self::Base64
        )
    }

    /// The tag named `name`.
    pub(crate) fn of_bytes(name: &[u8]) -> Self {
        // XML forbids it, but a name with a zero byte would read as a word
        // of a shorter name.
        if name.contains(&0) {
            return Self::Other;
        }
        Self::of_word(word_of(name), name)
    }

    /// The tag named `name`, whose first eight bytes (or fewer, zeros after
    /// them) are `word`: names hold no zero byte, so for the short names the
    /// word is the name, and a match on words is a few comparisons where a
    /// match on strings compares them one by one.
    #[inline(always)]
    pub(crate) fn of_word(word: u64, name: &[u8]) -> Self {
        const VALUE: u64 = word_of(b"value");
        const MEMBER: u64 = word_of(b"member");
        const NAME: u64 = word_of(b"name");
        const STRING: u64 = word_of(b"string");
        const INT: u64 = word_of(b"int");
        const I4: u64 = word_of(b"i4");
        const STRUCT: u64 = word_of(b"struct");
        const BOOLEAN: u64 = word_of(b"boolean");
        const ARRAY: u64 = word_of(b"array");
        const DATA: u64 = word_of(b"data");
        const PARAM: u64 = word_of(b"param");
        const PARAMS: u64 = word_of(b"params");
        const DOUBLE: u64 = word_of(b"double");
        const NIL: u64 = word_of(b"nil");
        const I8: u64 = word_of(b"i8");
        const BASE64: u64 = word_of(b"base64");
        const FAULT: u64 = word_of(b"fault");
        const I1: u64 = word_of(b"i1");
        const I2: u64 = word_of(b"i2");
        const FLOAT: u64 = word_of(b"float");
        // Longer names: their first eight bytes, then the whole name.
        const METHOD_CA: u64 = word_of(b"methodCa");
        const METHOD_NA: u64 = word_of(b"methodNa");
        const METHOD_RE: u64 = word_of(b"methodRe");
        const DATE_TIME: u64 = word_of(b"dateTime");
        let tag = match word {
            VALUE => Self::Value,
            MEMBER => Self::Member,
            NAME => Self::MemberName,
            STRING => Self::String,
            INT | I4 | I1 | I2 => Self::Int,
            STRUCT => Self::Struct,
            BOOLEAN => Self::Boolean,
            ARRAY => Self::Array,
            DATA => Self::Data,
            PARAM => Self::Param,
            PARAMS => Self::Params,
            DOUBLE | FLOAT => Self::Double,
            NIL => Self::Nil,
            I8 => Self::I8,
            BASE64 => Self::Base64,
            FAULT => Self::Fault,
            METHOD_CA if name == b"methodCall" => Self::MethodCall,
            METHOD_NA if name == b"methodName" => Self::MethodName,
            METHOD_RE if name == b"methodResponse" => Self::MethodResponse,
            DATE_TIME if name == b"dateTime.iso8601" => Self::DateTime,
            _ => Self::Other,
        };
        if tag == Self::Other {
            return Self::extension(name);
        }
        tag
    }

    /// Apache's extensions, also written with an `ex:` prefix (out of the
    /// way of the usual names: a call to it would make every lookup save
    /// registers).
    #[cold]
    #[inline(never)]
    fn extension(name: &[u8]) -> Self {
        match name.strip_prefix(b"ex:") {
            Some(extension) if !extension.starts_with(b"ex:") => Self::of_bytes(extension),
            _ => Self::Other,
        }
    }
}

pub(crate) fn label(name: Tag) -> &'static str {
    match name {
        Tag::MethodCall => "methodCall",
        Tag::MethodName => "methodName",
        Tag::MethodResponse => "methodResponse",
        Tag::Params => "params",
        Tag::Param => "param",
        Tag::Fault => "fault",
        Tag::Value => "value",
        Tag::Int => "int",
        Tag::I8 => "i8",
        Tag::Boolean => "boolean",
        Tag::String => "string",
        Tag::Double => "double",
        Tag::DateTime => "dateTime.iso8601",
        Tag::Base64 => "base64",
        Tag::Nil => "nil",
        Tag::Struct => "struct",
        Tag::Member => "member",
        Tag::MemberName => "name",
        Tag::Array => "array",
        Tag::Data => "data",
        Tag::Other => "an unknown element",
    }
}

/// The first `len` bytes of `input[at..]`, at most eight, as one word
/// (little-endian, zeros after them): read at once where the input has eight
/// bytes there. Names hold no zero byte, so a short name's word is the name.
pub(crate) fn word_at(input: &[u8], at: usize, len: usize) -> u64 {
    match input.get(at..at + 8) {
        Some(&[b0, b1, b2, b3, b4, b5, b6, b7]) => {
            let word = u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]);
            match len {
                0 => 0,
                1..8 => word & (u64::MAX >> (64 - 8 * len)),
                _ => word,
            }
        }
        _ => word_of(&input[at..(at + len).min(input.len())]),
    }
}

/// The first eight bytes of `name` (or fewer, zeros after them) as one word.
pub(crate) const fn word_of(name: &[u8]) -> u64 {
    let mut word = 0u64;
    let mut i = 0;
    while i < name.len() && i < 8 {
        word |= (name[i] as u64) << (8 * i);
        i += 1;
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_words_are_the_names() {
        let names: [(&[u8], Tag); 29] = [
            (b"value", Tag::Value),
            (b"member", Tag::Member),
            (b"name", Tag::MemberName),
            (b"string", Tag::String),
            (b"int", Tag::Int),
            (b"i4", Tag::Int),
            (b"i1", Tag::Int),
            (b"i2", Tag::Int),
            (b"struct", Tag::Struct),
            (b"boolean", Tag::Boolean),
            (b"array", Tag::Array),
            (b"data", Tag::Data),
            (b"param", Tag::Param),
            (b"params", Tag::Params),
            (b"double", Tag::Double),
            (b"float", Tag::Double),
            (b"nil", Tag::Nil),
            (b"i8", Tag::I8),
            (b"ex:i8", Tag::I8),
            (b"ex:nil", Tag::Nil),
            (b"base64", Tag::Base64),
            (b"fault", Tag::Fault),
            (b"methodCall", Tag::MethodCall),
            (b"methodName", Tag::MethodName),
            (b"methodResponse", Tag::MethodResponse),
            (b"dateTime.iso8601", Tag::DateTime),
            (b"ex:dateTime.iso8601", Tag::DateTime),
            (b"ex:ex:nil", Tag::Other),
            (b"valu", Tag::Other),
        ];
        let others: [&[u8]; 8] = [
            b"values",
            b"Value",
            b"methodCal",
            b"methodCalls",
            b"methodNam",
            b"dateTime",
            b"dateTime.iso8601x",
            b"v",
        ];
        // Not a name of the plain path, which never has a zero byte.
        assert_eq!(Tag::of_bytes(b"value\0"), Tag::Other);
        let all = names
            .iter()
            .copied()
            .chain(others.iter().map(|&name| (name, Tag::Other)));
        for (name, tag) in all {
            assert_eq!(
                Tag::of_bytes(name),
                tag,
                "{}",
                String::from_utf8_lossy(name)
            );
            // Within a document (eight bytes readable at once) and at its end.
            let mut doc = name.to_vec();
            doc.extend_from_slice(b">more bytes after it");
            let word = super::word_at(&doc, 0, name.len());
            assert_eq!(Tag::of_word(word, name), tag);
            let word = super::word_at(name, 0, name.len());
            assert_eq!(Tag::of_word(word, name), tag);
        }
    }
}
