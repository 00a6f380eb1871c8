use super::*;

#[test]
fn a_unix_url_names_the_socket_then_the_path() {
    assert_eq!(split_unix("unix:/run/a.sock"), Some(("/run/a.sock", "/")));
    assert_eq!(
        split_unix("unix:/run/a.sock:/jsonrpc"),
        Some(("/run/a.sock", "/jsonrpc"))
    );
    assert_eq!(
        split_unix("unix:rel.sock:/RPC2"),
        Some(("rel.sock", "/RPC2"))
    );
    assert_eq!(split_unix("http://unix:80/"), None);
    let endpoint = Endpoint::new("unix:/run/a.sock:/jsonrpc").unwrap();
    assert_eq!(endpoint.uri, "http://localhost/jsonrpc");
    assert_eq!(
        endpoint.unix.as_deref(),
        Some(std::path::Path::new("/run/a.sock"))
    );
    let err = Endpoint::new("unix::/jsonrpc").unwrap_err();
    assert!(err.to_string().contains("unix:/path/to.sock"), "{err}");
}
