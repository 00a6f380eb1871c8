"""A Python SimpleXMLRPCServer, a real peer written by others, for the
project's XML-RPC client to call. Prints its port, then serves."""
import datetime
import sys
from xmlrpc.server import SimpleXMLRPCServer
import xmlrpc.client

EVERYTHING = {
    "int": -42,
    "double": 2.5,
    "yes": True,
    "text": "a <b> & \"c\" 'd' é 日本",
    "list": [1, "two", 3.0, None],
    "nested": {"inner": {"deep": [[]]}},
    "nothing": None,
    "when": datetime.datetime(1998, 7, 17, 14, 8, 55),
    "blob": b"\x00\xff binary \x01",
}


def fail():
    raise xmlrpc.client.Fault(42, "the answer is not allowed")


def echo(value):
    return value


server = SimpleXMLRPCServer(("127.0.0.1", 0), allow_none=True, use_builtin_types=True, logRequests=False)
server.register_introspection_functions()
server.register_multicall_functions()
server.register_function(lambda a, b: a + b, "add")
server.register_function(lambda: None, "nothing")
server.register_function(lambda: EVERYTHING["when"], "now")
server.register_function(lambda: EVERYTHING["blob"], "blob")
server.register_function(lambda: EVERYTHING, "everything")
server.register_function(fail, "fail")
server.register_function(echo, "echo")
print(server.server_address[1], flush=True)
sys.stdout.close()
server.serve_forever()
