//! The JSON schemas of the types in a service's signatures, as the OpenAPI
//! and OpenRPC documents and XML-RPC's `system.methodSignature` show them.
//!
//! A schema is a bonus, not a requirement: any type serde can read and write
//! may stand in a signature.
//!
//! - A type that implements `utoipa::ToSchema` keeps its precise schema. A
//!   named one (your `#[derive(ToSchema)]` structs and enums) becomes a
//!   component of the document, referred to with `$ref`, as in a document
//!   written with utoipa by hand.
//! - Any other type (`serde_json::Value` maps, types of crates without utoipa
//!   support, `Box<RawValue>`) is documented with the open schema `{}`: any
//!   JSON value. The choice is made at compile time, at no cost per call.
//! - The containers serde knows (`Option`, `Vec`, sets, maps, tuples, arrays,
//!   `Box`, `Arc`, `Cow`…) are described from their element types, so a
//!   `Vec<serde_json::Value>` is an array, and an `Option<Server>` refers to
//!   the `Server` component.
//! - Integers say exactly which values they take: `minimum` and `maximum` of
//!   their width (a `u32` is 0 to 4294967295), as the server accepts them
//!   ([`json`](crate::json)).

use utoipa::openapi::schema::{
    AdditionalProperties, AllOfBuilder, ArrayBuilder, ArrayItems, KnownFormat, Object,
    ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Number, ToSchema};

use crate::__private::Probe;
use crate::Components;

/// A schema, or a reference to a component of the document.
pub type SchemaRef = RefOr<Schema>;

/// The open schema `{}`: any JSON value.
pub fn open() -> SchemaRef {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(SchemaType::AnyValue)
            .build(),
    ))
}

/// `null` or a value of `inner`, for an `Option`.
pub fn nullable(inner: SchemaRef) -> SchemaRef {
    let null = ObjectBuilder::new().schema_type(Type::Null);
    OneOfBuilder::new().item(null).item(inner).into()
}

/// An array of `items`: a `Vec`, a slice, a `VecDeque`…
pub fn array(items: SchemaRef) -> SchemaRef {
    ArrayBuilder::new().items(items).into()
}

/// An array of `items` of exactly `len` elements: `[T; N]`.
pub fn array_of_len(items: SchemaRef, len: usize) -> SchemaRef {
    ArrayBuilder::new()
        .items(items)
        .min_items(Some(len))
        .max_items(Some(len))
        .into()
}

/// An array of distinct `items`: a `HashSet` or `BTreeSet`.
pub fn set(items: SchemaRef) -> SchemaRef {
    ArrayBuilder::new().items(items).unique_items(true).into()
}

/// An object whose values are `values`: a `HashMap` or `BTreeMap` (JSON
/// object keys are strings, whatever the map's key type).
pub fn map(values: SchemaRef) -> SchemaRef {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(values))
        .into()
}

/// An array of exactly these elements, in this order: a tuple.
pub fn tuple(elements: Vec<SchemaRef>) -> SchemaRef {
    let len = elements.len();
    let elements = elements.into_iter().map(|element| match element {
        RefOr::T(schema) => schema,
        // A prefix item is a schema: a reference goes in an `allOf` of one.
        reference => Schema::AllOf(AllOfBuilder::new().item(reference).build()),
    });
    let mut array = ArrayBuilder::new()
        .prefix_items(elements)
        .min_items(Some(len))
        .max_items(Some(len))
        .build();
    array.items = ArrayItems::False;
    RefOr::T(Schema::Array(array))
}

/// `null`, for `()`.
pub fn unit() -> SchemaRef {
    ObjectBuilder::new().schema_type(Type::Null).into()
}

/// An integer type and its bounds.
pub trait Integer {
    /// Its schema: `integer`, its format, its exact bounds.
    fn schema() -> SchemaRef;
}

macro_rules! integers {
    ($($ty:ty => $format:ident),* $(,)?) => {$(
        impl Integer for $ty {
            fn schema() -> SchemaRef {
                let mut schema = ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::$format)))
                    .build();
                bound(&mut schema);
                RefOr::T(Schema::Object(schema))
            }
        }
    )*};
}

integers!(
    i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64,
    u8 => UInt8, u16 => UInt16, u32 => UInt32, u64 => UInt64,
);

macro_rules! wide_integers {
    ($($ty:ty),*) => {$(
        impl Integer for $ty {
            fn schema() -> SchemaRef {
                <$ty as utoipa::PartialSchema>::schema()
            }
        }
    )*};
}

wide_integers!(i128, u128, isize, usize);

/// The inclusive bounds of an integer format, as JSON numbers, and the
/// format's name (utoipa spells the unsigned ones `u-int32`: the name here is
/// the OpenAPI format registry's `uint32`).
fn bounds(format: &KnownFormat) -> Option<(Number, Number, &'static str)> {
    let signed = |min: i64, max: i64, name| {
        Some((Number::Int(min as isize), Number::Int(max as isize), name))
    };
    let unsigned = |max: u64, name| {
        Some((
            Number::UInt(0),
            Number::UInt(usize::try_from(max).ok()?),
            name,
        ))
    };
    match format {
        KnownFormat::Int8 => signed(i8::MIN.into(), i8::MAX.into(), "int8"),
        KnownFormat::Int16 => signed(i16::MIN.into(), i16::MAX.into(), "int16"),
        KnownFormat::Int32 => signed(i32::MIN.into(), i32::MAX.into(), "int32"),
        KnownFormat::Int64 => signed(i64::MIN, i64::MAX, "int64"),
        KnownFormat::UInt8 => unsigned(u8::MAX.into(), "uint8"),
        KnownFormat::UInt16 => unsigned(u16::MAX.into(), "uint16"),
        KnownFormat::UInt32 => unsigned(u32::MAX.into(), "uint32"),
        KnownFormat::UInt64 => unsigned(u64::MAX, "uint64"),
        _ => None,
    }
}

/// Gives an integer of a known width the bounds of its width, unless the
/// schema already has its own, and its format's registered name.
fn bound(object: &mut Object) {
    let Some(SchemaFormat::KnownFormat(format)) = &object.format else {
        return;
    };
    if let Some((min, max, name)) = bounds(format) {
        object.minimum.get_or_insert(min);
        object.maximum.get_or_insert(max);
        if name.starts_with('u') {
            object.format = Some(SchemaFormat::Custom(name.to_owned()));
        }
    }
}

/// Gives every integer of a known width in `schema` its bounds (the schemas
/// `#[derive(ToSchema)]` makes for struct fields say the width, not the
/// bounds).
pub(crate) fn bound_integers(schema: &mut SchemaRef) {
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(object) => {
            bound(object);
            for property in object.properties.values_mut() {
                bound_integers(property);
            }
            if let Some(values) = object.additional_properties.as_deref_mut()
                && let AdditionalProperties::RefOr(values) = values
            {
                bound_integers(values);
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                bound_integers(items);
            }
            for item in &mut array.prefix_items {
                let mut item_ref = RefOr::T(std::mem::take(item));
                bound_integers(&mut item_ref);
                if let RefOr::T(bounded) = item_ref {
                    *item = bounded;
                }
            }
        }
        Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(bound_integers),
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(bound_integers),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

/// The names utoipa gives its own types, whose schemas are inlined rather
/// than made components.
const BUILT_IN: &[&str] = &[
    "bool",
    "char",
    "str",
    "String",
    "f32",
    "f64",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "Value",
    "Vec",
    "Option",
    "HashMap",
    "BTreeMap",
    "HashSet",
    "BTreeSet",
    "Box",
    "Rc",
    "Arc",
    "Cow",
    "RefCell",
    "LinkedList",
    "IndexMap",
    "IndexSet",
    "TupleUnit",
];

/// The schema of `T`, made a component of the document (and referred to) when
/// `named` and `T` is no built-in type.
pub fn documented<T: ToSchema + ?Sized>(named: bool, components: &mut Components) -> SchemaRef {
    let name = T::name();
    if !named || BUILT_IN.contains(&name.as_ref()) {
        T::schemas(components);
        return T::schema();
    }
    if !components.iter().any(|(known, _)| *known == name) {
        components.push((name.clone().into_owned(), T::schema()));
        T::schemas(components);
    }
    RefOr::Ref(Ref::from_schema_name(name))
}

/// The schema of a type that has one: `(&&Probe::<T>::NEW).schema(…)` calls
/// this when `T: ToSchema`, else [`Undocumented::schema`].
pub trait Documented {
    /// See [`documented`].
    fn schema(&self, named: bool, components: &mut Components) -> SchemaRef;
}

impl<T: ToSchema + ?Sized> Documented for &Probe<T> {
    fn schema(&self, named: bool, components: &mut Components) -> SchemaRef {
        documented::<T>(named, components)
    }
}

/// The schema of a type that has none: the open schema.
pub trait Undocumented {
    /// [`open`].
    fn schema(&self, named: bool, components: &mut Components) -> SchemaRef;
}

impl<T: ?Sized> Undocumented for Probe<T> {
    fn schema(&self, _named: bool, _components: &mut Components) -> SchemaRef {
        open()
    }
}

#[cfg(test)]
// `&&Probe` is the mechanism, not a needless borrow.
#[allow(clippy::needless_borrow)]
mod tests {
    use serde_json::json;

    use super::*;

    fn to_json(schema: &SchemaRef) -> serde_json::Value {
        serde_json::to_value(schema).unwrap()
    }

    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Point {
        x: u8,
        y: Vec<i16>,
    }

    struct NoSchema;

    #[test]
    fn a_type_with_a_schema_keeps_it_and_any_other_is_open() {
        let mut components = Components::new();
        let with = (&&Probe::<u32>::NEW).schema(false, &mut components);
        assert_eq!(to_json(&with)["type"], "integer");
        let without = (&&Probe::<NoSchema>::NEW).schema(true, &mut components);
        assert_eq!(to_json(&without), json!({}));
        assert!(components.is_empty());
    }

    #[test]
    fn a_named_type_is_a_component_referred_to_once() {
        let mut components = Components::new();
        let first = (&&Probe::<Point>::NEW).schema(true, &mut components);
        let second = (&&Probe::<Point>::NEW).schema(true, &mut components);
        assert_eq!(
            to_json(&first),
            json!({"$ref": "#/components/schemas/Point"})
        );
        assert_eq!(to_json(&second), to_json(&first));
        assert_eq!(components.len(), 1);
        let value = (&&Probe::<serde_json::Value>::NEW).schema(true, &mut components);
        assert!(matches!(value, RefOr::T(_)), "Value is inlined");
    }

    #[test]
    fn integers_say_their_exact_bounds() {
        let u32_schema = to_json(&<u32 as Integer>::schema());
        assert_eq!(u32_schema["minimum"], 0);
        assert_eq!(u32_schema["maximum"], 4_294_967_295_u64);
        assert_eq!(u32_schema["format"], "uint32");
        let i8_schema = to_json(&<i8 as Integer>::schema());
        assert_eq!(
            (i8_schema["minimum"].clone(), i8_schema["maximum"].clone()),
            (json!(-128), json!(127))
        );
        let u64_schema = to_json(&<u64 as Integer>::schema());
        assert_eq!(u64_schema["maximum"], u64::MAX);
        // The fields of a derived struct too.
        let mut point = <Point as utoipa::PartialSchema>::schema();
        bound_integers(&mut point);
        let point = to_json(&point);
        assert_eq!(point["properties"]["x"]["maximum"], 255, "{point}");
        assert_eq!(
            point["properties"]["y"]["items"]["minimum"], -32768,
            "{point}"
        );
    }

    #[test]
    fn containers_are_described_from_their_elements() {
        let tuple = to_json(&tuple(vec![<u8 as Integer>::schema(), open()]));
        assert_eq!(tuple["prefixItems"].as_array().unwrap().len(), 2);
        assert_eq!(tuple["items"], false);
        assert_eq!(tuple["minItems"], 2);
        let option = to_json(&nullable(open()));
        assert_eq!(option["oneOf"][0]["type"], "null");
        assert_eq!(to_json(&map(open()))["additionalProperties"], json!({}));
        assert_eq!(to_json(&set(open()))["uniqueItems"], true);
        assert_eq!(to_json(&array_of_len(open(), 3))["maxItems"], 3);
        assert_eq!(to_json(&unit())["type"], "null");
    }
}
