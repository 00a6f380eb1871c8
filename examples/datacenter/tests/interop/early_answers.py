"""Clients that write their whole request before they read, against
`datacenter serve`: each reads the answer the server gave before it read the
body (413, 415, 401), never a broken pipe or a reset.

Usage: early_answers.py URL [TOKEN]
With TOKEN the server runs with `--token TOKEN`, and calls without it are
refused with 401 (after the body, which is under the size limit, was read).
"""
import http.client
import json
import sys
import urllib.parse
import xmlrpc.client as xc

url = urllib.parse.urlsplit(sys.argv[1])
token = sys.argv[2] if len(sys.argv) > 2 else None
MiB = 1 << 20


def post(path, body, content_type, headers=None):
    """POSTs with http.client, which writes the whole body before it reads."""
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        connection.request("POST", path, body, {"content-type": content_type, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheader("content-type"), response.read()
    finally:
        connection.close()


def problem(status, path, body, content_type, headers=None):
    got, media_type, answer = post(path, body, content_type, headers)
    assert got == status, (path, len(body), got, answer[:200])
    assert media_type == "application/problem+json", (path, media_type)
    document = json.loads(answer)
    assert document["status"] == status, document
    assert document["detail"], document
    return document


def jsonrpc_call(size):
    return b'{"jsonrpc":"2.0","method":"get_server","params":["' + b"a" * size + b'"],"id":1}'


def xmlrpc_call(size):
    return (b"<?xml version='1.0'?><methodCall><methodName>get_server</methodName><params>"
            b"<param><value><string>" + b"a" * size + b"</string></value></param></params></methodCall>")


def rest_body(size):
    return b'{"hostname":"' + b"a" * size + b'","country":3,"datacenter":"nyc1"}'


def chunks(body, size=64 * 1024):
    """A body sent with chunked transfer coding (no Content-Length)."""
    for at in range(0, len(body), size):
        yield body[at:at + size]


ENDPOINTS = [
    ("/jsonrpc", jsonrpc_call, "application/json"),
    ("/RPC2", xmlrpc_call, "text/xml"),
    ("/servers", rest_body, "application/json"),
]

if token is None:
    # Over the size limit: 413 before the body is read.
    for path, make, content_type in ENDPOINTS:
        for size in (3 * MiB, 64 * MiB):
            document = problem(413, path, make(size), content_type)
            assert "limit" in document["detail"], document
        # The same without Content-Length: the server stops reading at the limit.
        problem(413, path, chunks(make(8 * MiB)), content_type)
        # A content type the endpoint does not speak: 415 before the body is read.
        problem(415, path, make(8 * MiB), "application/octet-stream")

    # xmlrpc.client with a 3 MB argument: a ProtocolError that says 413.
    proxy = xc.ServerProxy(sys.argv[1] + "/RPC2", allow_none=True)
    try:
        proxy.get_server("a" * (3 * 1000 * 1000))
        raise AssertionError("a 3 MB call was accepted")
    except xc.ProtocolError as err:
        assert err.errcode == 413, err
    # The server still serves, on a new connection as on this one.
    assert proxy.get_server(1)["id"] == 1
else:
    # Refused by the bearer layer: a JSON-RPC error, an XML-RPC fault, a 401 problem.
    large = 1536 * 1024
    status, _, answer = post("/jsonrpc", jsonrpc_call(large), "application/json")
    assert status == 200 and json.loads(answer)["error"]["code"] == 401, answer[:200]
    proxy = xc.ServerProxy(sys.argv[1] + "/RPC2", allow_none=True)
    try:
        proxy.get_server("a" * large)
        raise AssertionError("an unauthorized call was served")
    except xc.Fault as fault:
        assert fault.faultCode == 401, fault
    problem(401, "/servers", rest_body(large), "application/json")
    # Over the limit and unauthorized: the size is refused first, and read.
    problem(413, "/servers", rest_body(64 * MiB), "application/json")
    # With the token, the same large call is served.
    bearer = {"authorization": f"Bearer {token}"}
    status, _, answer = post("/jsonrpc", jsonrpc_call(large), "application/json", bearer)
    assert status == 200 and json.loads(answer)["error"]["code"] == -32602, answer[:200]

print("early answers: all checks passed")
