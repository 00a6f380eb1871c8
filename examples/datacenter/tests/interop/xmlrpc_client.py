"""Python's standard xmlrpc.client against `datacenter serve`: every method,
introspection, MultiCall and faults. Usage: xmlrpc_client.py URL"""
import sys
import xmlrpc.client as xc

url = sys.argv[1]
proxy = xc.ServerProxy(url, allow_none=True, use_builtin_types=True)


def fault_code(call, *args):
    try:
        call(*args)
    except xc.Fault as fault:
        assert fault.faultString, fault
        return fault.faultCode
    raise AssertionError(f"no fault from {call} {args}")


# Every method of the service.
active = proxy.get_active_servers(3)
assert [s["id"] for s in active] == [1, 2], active
assert active[0] == {"id": 1, "hostname": "us-east-1a", "country": 3, "datacenter": "nyc1", "active": True}
assert proxy.get_server(4)["hostname"] == "eu-central-1a"
assert len(proxy.list_servers()) == 5
assert len(proxy.list_servers(None, None)) == 5
assert [s["id"] for s in proxy.list_servers(3, False)] == [3]
assert [s["id"] for s in proxy.list_servers(None, True)] == [1, 2, 4, 5]
created = proxy.create_server({"hostname": "py-1", "country": 33, "datacenter": "par1"})
assert created == {"id": 6, "hostname": "py-1", "country": 33, "datacenter": "par1", "active": True}, created
assert proxy.update_server(6, {"active": False})["active"] is False
assert proxy.update_server(6, {"hostname": "py-2", "country": 34})["hostname"] == "py-2"
assert proxy.delete_server(6) is None

# Introspection.
methods = proxy.system.listMethods()
for name in ["get_active_servers", "get_server", "list_servers", "create_server", "update_server",
             "delete_server", "system.listMethods", "system.methodHelp", "system.methodSignature",
             "system.multicall"]:
    assert name in methods, (name, methods)
assert proxy.system.methodHelp("get_active_servers") == "Servers currently in use in a country."
assert proxy.system.methodSignature("get_active_servers") == [["array", "int"]]
assert proxy.system.methodSignature("list_servers") == [["array", "int", "boolean"]]
assert proxy.system.methodSignature("create_server") == [["struct", "struct"]]
assert proxy.system.methodSignature("delete_server") == [["nil", "int"]]

# A MultiCall mixing a success and a failure.
multi = xc.MultiCall(proxy)
multi.get_server(1)
multi.get_server(99)
multi.get_active_servers(49)
results = multi()
assert results[0]["hostname"] == "us-east-1a"
try:
    results[1]
    raise AssertionError("no fault in the multicall")
except xc.Fault as fault:
    assert fault.faultCode == 404, fault
    assert fault.faultString == "server 99 not found", fault
assert [s["id"] for s in results[2]] == [4]

# Faults with the right codes.
assert fault_code(proxy.no_such_method) == -32601
assert fault_code(proxy.get_server, "one") == -32602
assert fault_code(proxy.get_server) == -32602
assert fault_code(proxy.get_server, 1, 2) == -32602
assert fault_code(proxy.create_server, {"hostname": "x"}) == -32602
assert fault_code(proxy.get_server, 99) == 404
assert fault_code(proxy.create_server, {"hostname": "us-east-1a", "country": 3, "datacenter": "nyc1"}) == 409
assert fault_code(proxy.create_server, {"hostname": " ", "country": 3, "datacenter": "nyc1"}) == 422

print("python xmlrpc.client: all checks passed")
