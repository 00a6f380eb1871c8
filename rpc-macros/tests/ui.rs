//! Compile-time behaviour of `#[service]`: every error it emits, with its
//! message and span (`tests/ui/fail`), and what must compile (`tests/ui/pass`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
