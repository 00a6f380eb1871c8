"""A parent process that spawns `datacenter stdio` and speaks JSON-RPC 2.0
over its pipes, as an LSP client (Content-Length headers) and as an MCP
client (one message per line) would: a call, a batch, a notification, an
error; then one that closes stdin in the middle of a call.

Usage: stdio_client.py PATH_TO_DATACENTER
"""
import json
import subprocess
import sys

datacenter = sys.argv[1]


def spawn():
    return subprocess.Popen(
        [datacenter, "stdio", "--database", "memory"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def headed(message):
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_headed(stream):
    length = None
    while True:
        line = stream.readline()
        assert line, "the server closed its stdout"
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return json.loads(stream.read(length))


def lined(message):
    return json.dumps(message).encode() + b"\n"


def read_line(stream):
    line = stream.readline()
    assert line.endswith(b"\n"), line
    return json.loads(line)


def conversation(frame, read):
    server = spawn()
    out = server.stdout
    # A call.
    server.stdin.write(frame({"jsonrpc": "2.0", "method": "get_active_servers", "params": [3], "id": 1}))
    server.stdin.flush()
    answer = read(out)
    assert answer["id"] == 1 and [s["id"] for s in answer["result"]] == [1, 2], answer
    # A notification (never answered), then a batch that sees what it did
    # and holds an error.
    new = {"hostname": "stdio-1", "country": 42, "datacenter": "dc"}
    server.stdin.write(frame({"jsonrpc": "2.0", "method": "create_server", "params": [new]}))
    server.stdin.write(frame([
        {"jsonrpc": "2.0", "method": "list_servers", "params": {"country": 42}, "id": "a"},
        {"jsonrpc": "2.0", "method": "get_server", "params": [99], "id": "b"},
        {"jsonrpc": "2.0", "method": "no_such_method", "id": "c"},
    ]))
    server.stdin.flush()
    batch = {a["id"]: a for a in read(out)}
    assert [s["hostname"] for s in batch["a"]["result"]] == ["stdio-1"], batch
    assert batch["b"]["error"]["code"] == 404, batch
    assert "99" in batch["b"]["error"]["message"], batch
    assert batch["c"]["error"]["code"] == -32601, batch
    # Not JSON: a parse error, and the server reads on.
    server.stdin.write(frame({"jsonrpc": "2.0", "method": "get_server", "params": [1], "id": 2})[:-3] + b"!!!" + (b"\n" if frame is lined else b""))
    server.stdin.write(frame({"jsonrpc": "2.0", "method": "get_server", "params": [1], "id": 3}))
    server.stdin.flush()
    assert read(out)["error"]["code"] == -32700
    assert read(out)["result"]["hostname"] == "us-east-1a"
    server.stdin.close()
    assert out.read() == b"", "nothing more after the end of input"
    assert server.wait(timeout=10) == 0, "exits 0 at the end of its input"


conversation(headed, read_headed)
conversation(lined, read_line)

# Stdin closed in the middle: one call whole, the next cut short. The server
# answers the whole one, drops the rest, and exits 0.
server = spawn()
server.stdin.write(headed({"jsonrpc": "2.0", "method": "get_server", "params": [5], "id": 9}))
server.stdin.write(headed({"jsonrpc": "2.0", "method": "get_server", "params": [4], "id": 10})[:30])
server.stdin.close()
answer = read_headed(server.stdout)
assert answer["id"] == 9 and answer["result"]["id"] == 5, answer
assert server.stdout.read() == b""
assert server.wait(timeout=10) == 0

print("all checks passed")
