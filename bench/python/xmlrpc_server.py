"""What many XML-RPC users run: Python's SimpleXMLRPCServer, serving the same
get_active_servers. Usage: xmlrpc_server.py PORT"""
import sys
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

SERVERS = [
    {"id": 1, "hostname": "us-east-1a", "country": 3, "datacenter": "nyc1", "active": True},
    {"id": 2, "hostname": "us-east-1b", "country": 3, "datacenter": "nyc1", "active": True},
    {"id": 3, "hostname": "us-west-2a", "country": 3, "datacenter": "sfo2", "active": False},
    {"id": 4, "hostname": "eu-central-1a", "country": 49, "datacenter": "fra1", "active": True},
    {"id": 5, "hostname": "eu-west-1a", "country": 44, "datacenter": "lon1", "active": True},
]


class Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/RPC2",)


def get_active_servers(country):
    return [s for s in SERVERS if s["country"] == country and s["active"]]


server = SimpleXMLRPCServer(("127.0.0.1", int(sys.argv[1])), requestHandler=Handler, logRequests=False)
server.register_function(get_active_servers)
print("ready", flush=True)
server.serve_forever()
