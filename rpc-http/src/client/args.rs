//! A call's arguments by name, as the REST client places them in the path,
//! the query string or the body.
//!
//! A generated client's params are a struct whose fields are the
//! arguments: they are read field by field, each field's value as JSON,
//! with no map built (`serde_json::to_value` builds a map of owned names,
//! some allocations a call). Params of any other shape that serialize as a
//! map (a `HashMap`, a `serde_json::Value` object) go through
//! `serde_json::to_value`, as before.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};
use serde_json::{Map, Value};

/// The arguments in the order the params give them.
pub(super) struct Args(Vec<(Cow<'static, str>, Value)>);

impl Args {
    /// The arguments of `params`; `None` when they are not a struct or a
    /// map of them.
    pub fn of<P: Serialize + ?Sized>(params: &P) -> Result<Option<Self>, serde_json::Error> {
        if let Ok(fields) = params.serialize(Fields) {
            return Ok(Some(Self(fields)));
        }
        Ok(match serde_json::to_value(params)? {
            Value::Object(map) => Some(Self(
                map.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect(),
            )),
            _ => None,
        })
    }

    /// Takes the argument `name` out; `Null` when there is none.
    pub fn remove(&mut self, name: &str) -> Value {
        match self.0.iter().position(|(n, _)| n == name) {
            Some(at) => self.0.remove(at).1,
            None => Value::Null,
        }
    }

    /// The arguments left that are not `null`, by name in alphabetical
    /// order (as a JSON object orders its members).
    pub fn present(&self) -> Vec<(&str, &Value)> {
        let mut present: Vec<(&str, &Value)> = self
            .0
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(n, v)| (n.as_ref(), v))
            .collect();
        present.sort_by(|a, b| a.0.cmp(b.0));
        present
    }

    /// The arguments left, as a JSON object.
    pub fn into_object(self) -> Value {
        Value::Object(
            self.0
                .into_iter()
                .map(|(n, v)| (n.into_owned(), v))
                .collect::<Map<String, Value>>(),
        )
    }
}

/// Params that are not a struct: read as a map instead.
#[derive(Debug)]
struct NotFields;

impl fmt::Display for NotFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a struct of arguments")
    }
}

impl std::error::Error for NotFields {}

impl ser::Error for NotFields {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self
    }
}

/// Serializes a struct as its fields, each as a JSON value.
struct Fields;

/// The fields read so far.
struct Collect(Vec<(Cow<'static, str>, Value)>);

type Fail = Impossible<Vec<(Cow<'static, str>, Value)>, NotFields>;

/// The `Serializer` methods of what is not a struct: refused.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {$(
        fn $method(self, $(_: $arg),*) -> Result<Self::Ok, NotFields> {
            Err(NotFields)
        }
    )*};
}

impl ser::Serializer for Fields {
    type Ok = Vec<(Cow<'static, str>, Value)>;
    type Error = NotFields;
    type SerializeSeq = Fail;
    type SerializeTuple = Fail;
    type SerializeTupleStruct = Fail;
    type SerializeTupleVariant = Fail;
    type SerializeMap = Fail;
    type SerializeStruct = Collect;
    type SerializeStructVariant = Fail;

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Collect, NotFields> {
        Ok(Collect(Vec::with_capacity(len)))
    }

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Self::Ok, NotFields> {
        Err(NotFields)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, NotFields> {
        Err(NotFields)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, NotFields> {
        Err(NotFields)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Fail, NotFields> {
        Err(NotFields)
    }
    fn serialize_tuple(self, _: usize) -> Result<Fail, NotFields> {
        Err(NotFields)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Fail, NotFields> {
        Err(NotFields)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Fail, NotFields> {
        Err(NotFields)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Fail, NotFields> {
        Err(NotFields)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Fail, NotFields> {
        Err(NotFields)
    }
}

impl ser::SerializeStruct for Collect {
    type Ok = Vec<(Cow<'static, str>, Value)>;
    type Error = NotFields;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), NotFields> {
        // A value that is not JSON is refused here as the map path would.
        let value = serde_json::to_value(value).map_err(|_| NotFields)?;
        self.0.push((Cow::Borrowed(name), value));
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, NotFields> {
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::*;

    #[derive(Serialize)]
    struct Params {
        country: u32,
        name: Option<String>,
        tags: Vec<String>,
    }

    #[test]
    fn a_struct_and_a_map_give_the_same_arguments() {
        let params = Params {
            country: 3,
            name: Some("a b".into()),
            tags: vec!["x".into()],
        };
        let map: HashMap<&str, Value> = [
            ("tags", json!(["x"])),
            ("country", json!(3)),
            ("name", json!("a b")),
        ]
        .into();
        for mut args in [
            Args::of(&params).unwrap().unwrap(),
            Args::of(&map).unwrap().unwrap(),
            Args::of(&json!({"country": 3, "name": "a b", "tags": ["x"]}))
                .unwrap()
                .unwrap(),
        ] {
            assert_eq!(
                args.present(),
                [
                    ("country", &json!(3)),
                    ("name", &json!("a b")),
                    ("tags", &json!(["x"]))
                ]
            );
            assert_eq!(args.remove("country"), json!(3));
            assert_eq!(args.remove("country"), Value::Null);
            assert_eq!(args.into_object(), json!({"name": "a b", "tags": ["x"]}));
        }
    }

    #[test]
    fn what_is_not_a_map_of_arguments_is_none_and_a_bad_value_an_error() {
        assert!(Args::of(&3).unwrap().is_none());
        assert!(Args::of(&[1, 2]).unwrap().is_none());
        let none = Params {
            country: 1,
            name: None,
            tags: vec![],
        };
        assert_eq!(
            Args::of(&none).unwrap().unwrap().present(),
            [("country", &json!(1)), ("tags", &json!([]))]
        );
        // A map whose keys are not strings cannot be JSON.
        #[derive(Serialize)]
        struct Bad {
            by_pair: HashMap<(u8, u8), u8>,
        }
        let bad = Bad {
            by_pair: [((1, 2), 3)].into(),
        };
        assert!(Args::of(&bad).is_err());
    }
}
