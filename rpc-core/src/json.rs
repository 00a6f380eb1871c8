//! How the JSON front ends read a value: as its JSON Schema says, not as
//! serde's defaults do.
//!
//! The documents a service publishes (OpenAPI, OpenRPC) describe its types in
//! JSON Schema, and a caller may send anything those schemas accept. serde's
//! defaults differ from JSON Schema in two places, and [`Strict`] puts them
//! right:
//!
//! - **Integral floats are integers.** JSON Schema counts `62.0` as an
//!   integer (a JavaScript or Python client may write it so); serde refuses it
//!   for a `u32`. Here an integer field takes a float without a fraction, in
//!   its type's range.
//! - **A struct is an object.** serde lets a struct be read from an array of
//!   its fields in order; its schema says it is an object, and here it must
//!   be one. The parameters of a call are the exception: JSON-RPC passes them
//!   by position or by name, so the outermost value ([`Strict::params`]) may
//!   be an array.
//!
//! The rules apply inside containers, `Option`s and enums, down to every
//! leaf. Values that serde buffers before it knows their type (untagged
//! enums, `#[serde(flatten)]`) are read by serde's own rules.
//!
//! ```
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, Debug, PartialEq)]
//! struct Server { id: u32, name: String }
//!
//! #[derive(Deserialize, Debug, PartialEq)]
//! struct Params { server: Server }
//!
//! // Positional params, an integral float: accepted.
//! let params: Params = rpc_core::json::from_params(br#"[{"id": 62.0, "name": "a"}]"#).unwrap();
//! assert_eq!(params.server, Server { id: 62, name: "a".into() });
//! // A struct written as an array: refused, as its schema says.
//! assert!(rpc_core::json::from_params::<Params>(br#"[[62, "a"]]"#).is_err());
//! // A fraction, or a value out of range: refused.
//! assert!(rpc_core::json::from_params::<Params>(br#"[{"id": 6.5, "name": "a"}]"#).is_err());
//! assert!(rpc_core::json::from_params::<Params>(br#"[{"id": 4294967296.0, "name": "a"}]"#).is_err());
//! ```

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Expected, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};

/// Reads a call's parameters from JSON text by the rules of this module: the
/// outermost value may be an array (positional parameters) or an object.
pub fn from_params<'de, T: de::Deserialize<'de>>(json: &'de [u8]) -> serde_json::Result<T> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let value = T::deserialize(Strict::params(&mut de))?;
    de.end()?;
    Ok(value)
}

/// A deserializer that reads JSON as its schema says (see the [module](self)).
#[derive(Debug, Clone, Copy)]
pub struct Strict<D> {
    de: D,
    /// Whether a struct may be read from an array here.
    positional: bool,
}

impl<D> Strict<D> {
    /// A value inside a call: a struct must be an object.
    pub fn new(de: D) -> Self {
        Self {
            de,
            positional: false,
        }
    }

    /// A call's parameters: their struct may be an array (by position) or an
    /// object (by name); the values inside it follow [`Strict::new`].
    pub fn params(de: D) -> Self {
        Self {
            de,
            positional: true,
        }
    }
}

/// What a [`Guard`] checks beside forwarding.
#[derive(Clone, Copy)]
enum Rule {
    /// Forward every value.
    Any,
    /// An integer was asked for: a float without a fraction is one.
    Integer,
    /// A struct was asked for: an array is refused.
    Object,
}

/// A visitor that forwards to `inner`, applying `rule`, and reads whatever is
/// nested by the same rules.
struct Guard<V> {
    inner: V,
    rule: Rule,
}

/// A seed that reads its value by the rules.
struct Seed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Strict::new(de))
    }
}

macro_rules! forward {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method(Guard { inner: visitor, rule: Rule::Any })
        }
    )*};
}

macro_rules! integers {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method(Guard { inner: visitor, rule: Rule::Integer })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    forward!(
        deserialize_any,
        deserialize_bool,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    integers!(
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_unit_struct(
            name,
            Guard {
                inner: visitor,
                rule: Rule::Any,
            },
        )
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_newtype_struct(
            name,
            Guard {
                inner: visitor,
                rule: Rule::Any,
            },
        )
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_tuple(
            len,
            Guard {
                inner: visitor,
                rule: Rule::Any,
            },
        )
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_tuple_struct(
            name,
            len,
            Guard {
                inner: visitor,
                rule: Rule::Any,
            },
        )
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let rule = if self.positional {
            Rule::Any
        } else {
            Rule::Object
        };
        self.de.deserialize_struct(
            name,
            fields,
            Guard {
                inner: visitor,
                rule,
            },
        )
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_enum(
            name,
            variants,
            Guard {
                inner: visitor,
                rule: Rule::Any,
            },
        )
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

macro_rules! visit {
    ($($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, value: $ty) -> Result<V::Value, E> {
            self.inner.$method(value)
        }
    )*};
}

/// The bound below which an `f64` without a fraction fits a `u64`: 2^64.
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

impl<'de, V: Visitor<'de>> Visitor<'de> for Guard<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    );

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<V::Value, E> {
        if matches!(self.rule, Rule::Integer) && value.fract() == 0.0 {
            if (0.0..TWO_POW_64).contains(&value) {
                return self.inner.visit_u64(value as u64);
            }
            if (-TWO_POW_64 / 2.0..0.0).contains(&value) {
                return self.inner.visit_i64(value as i64);
            }
        }
        self.inner.visit_f64(value)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Strict::new(de))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(Strict::new(de))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        if matches!(self.rule, Rule::Object) {
            return Err(de::Error::invalid_type(Unexpected::Seq, &Expecting(&self)));
        }
        self.inner.visit_seq(Seq(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(Map(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(Enum(data))
    }
}

/// A visitor's `expecting`, as an [`Expected`] for an error message.
struct Expecting<'a, V>(&'a Guard<V>);

impl<'de, V: Visitor<'de>> Expected for Expecting<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.inner.expecting(f)?;
        f.write_str(" (an object)")
    }
}

struct Seq<A>(A);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Seq<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

struct Map<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Map<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

struct Enum<A>(A);

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Enum<A> {
    type Error = A::Error;
    type Variant = Variant<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(Seed(seed))?;
        Ok((value, Variant(variant)))
    }
}

struct Variant<A>(A);

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Variant<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(
            len,
            Guard {
                inner: visitor,
                rule: Rule::Any,
            },
        )
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(
            fields,
            Guard {
                inner: visitor,
                rule: Rule::Object,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Point {
        x: i8,
        y: u64,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    enum Shape {
        Dot(Point),
        Line { from: Point, to: Point },
    }

    fn read<'a, T: Deserialize<'a>>(json: &'a str) -> serde_json::Result<T> {
        T::deserialize(Strict::new(&mut serde_json::Deserializer::from_str(json)))
    }

    #[test]
    fn integral_floats_are_integers_of_every_width_within_its_range() {
        assert_eq!(read::<u8>("255.0").unwrap(), 255);
        assert!(read::<u8>("256.0").is_err());
        assert_eq!(read::<i8>("-128.0").unwrap(), -128);
        assert!(read::<i8>("-129.0").is_err());
        assert_eq!(read::<u32>("4294967295.0").unwrap(), u32::MAX);
        assert!(read::<u32>("4294967296.0").is_err());
        assert_eq!(read::<i64>("-9223372036854775808.0").unwrap(), i64::MIN);
        assert_eq!(read::<u64>("1e3").unwrap(), 1000);
        assert_eq!(read::<u64>("0.0").unwrap(), 0);
        assert_eq!(read::<i32>("-0.0").unwrap(), 0);
        assert!(read::<u64>("18446744073709551616.0").is_err());
        assert!(read::<u32>("1.5").is_err());
        assert!(read::<u32>("-1.0").is_err());
        // A float stays a float where one is asked for.
        assert_eq!(read::<f64>("2.0").unwrap(), 2.0);
        assert_eq!(
            read::<serde_json::Value>("2.0").unwrap(),
            serde_json::json!(2.0)
        );
    }

    #[test]
    fn the_rules_hold_inside_containers_options_and_enums() {
        let points: Vec<Option<Point>> = read(r#"[{"x": 1.0, "y": 2}, null]"#).unwrap();
        assert_eq!(points, vec![Some(Point { x: 1, y: 2 }), None]);
        assert!(read::<Vec<Point>>("[[1, 2]]").is_err());
        let map: BTreeMap<String, Point> = read(r#"{"a": {"x": -1.0, "y": 0.0}}"#).unwrap();
        assert_eq!(map["a"], Point { x: -1, y: 0 });
        let line: Shape =
            read(r#"{"Line": {"from": {"x": 1, "y": 2}, "to": {"x": 3.0, "y": 4}}}"#).unwrap();
        assert_eq!(
            line,
            Shape::Line {
                from: Point { x: 1, y: 2 },
                to: Point { x: 3, y: 4 }
            }
        );
        assert!(read::<Shape>(r#"{"Line": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]}"#).is_err());
        assert!(read::<Shape>(r#"{"Dot": [1, 2]}"#).is_err());
        // Tuples are arrays, as their schema says.
        assert_eq!(read::<(u8, bool)>("[7.0, true]").unwrap(), (7, true));
    }

    #[test]
    fn a_struct_as_an_array_is_refused_with_a_message_that_says_so() {
        let err = read::<Point>("[1, 2]").unwrap_err().to_string();
        assert!(err.contains("invalid type: sequence"), "{err}");
        assert!(err.contains("an object"), "{err}");
        // Only the outermost params struct may be positional.
        #[derive(Deserialize, Debug)]
        struct Params {
            #[allow(dead_code)]
            at: Point,
        }
        assert!(from_params::<Params>(br#"[{"x": 1, "y": 2}]"#).is_ok());
        assert!(from_params::<Params>(br#"{"at": {"x": 1, "y": 2}}"#).is_ok());
        assert!(from_params::<Params>(br#"[[1, 2]]"#).is_err());
        assert!(from_params::<Params>(br#"[{"x": 1, "y": 2}] x"#).is_err());
    }
}
