"""Python's `websockets` (PyPI) subscribing to `watch_servers` over JSON-RPC
on `datacenter serve`'s WebSocket: a server created in country 3 over REST
arrives, one created in country 44 over XML-RPC does not; after
`rpc.unsubscribe`, nothing more. Usage: ws_subscriber.py BASE_URL"""
import asyncio
import json
import sys
import urllib.request
import xmlrpc.client

import websockets

base = sys.argv[1]


def create_over_rest(hostname, country):
    body = json.dumps({"hostname": hostname, "country": country, "datacenter": "ws"}).encode()
    request = urllib.request.Request(base + "/servers", data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 201, answer.status


def create_over_xmlrpc(hostname, country):
    proxy = xmlrpc.client.ServerProxy(base + "/RPC2", allow_none=True)
    proxy.create_server({"hostname": hostname, "country": country, "datacenter": "ws"})


async def main():
    async with websockets.connect(base.replace("http://", "ws://") + "/ws") as ws:
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "watch_servers", "params": {"country": 3}, "id": 1}))
        subscribed = json.loads(await ws.recv())
        subscription = subscribed["result"]
        assert subscribed["id"] == 1, subscribed
        # Ordinary calls on the same socket.
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "get_server", "params": [1], "id": 2}))
        assert json.loads(await ws.recv())["result"]["hostname"] == "us-east-1a"

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, create_over_rest, "ws-py-3", 3)
        await loop.run_in_executor(None, create_over_xmlrpc, "ws-py-44", 44)
        await loop.run_in_executor(None, create_over_rest, "ws-py-3b", 3)
        first = json.loads(await ws.recv())
        assert first["method"] == "watch_servers", first
        assert first["params"]["subscription"] == subscription, first
        assert first["params"]["result"]["change"] == "created", first
        assert first["params"]["result"]["server"]["hostname"] == "ws-py-3", first
        # The server of country 44 never arrives: the next is the second of 3.
        second = json.loads(await ws.recv())
        assert second["params"]["result"]["server"]["hostname"] == "ws-py-3b", second

        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "rpc.unsubscribe",
                                  "params": {"subscription": subscription}, "id": 3}))
        assert json.loads(await ws.recv()) == {"jsonrpc": "2.0", "result": True, "id": 3}
        await loop.run_in_executor(None, create_over_rest, "ws-py-after", 3)
        try:
            extra = await asyncio.wait_for(ws.recv(), 1.0)
            raise AssertionError(f"an item after unsubscribing: {extra}")
        except asyncio.TimeoutError:
            pass

        # A subscription over plain HTTP POST is refused, and says where to go.
        request = urllib.request.Request(base + "/jsonrpc", data=json.dumps(
            {"jsonrpc": "2.0", "method": "watch_servers", "params": {}, "id": 4}).encode(),
            headers={"content-type": "application/json"})
        with urllib.request.urlopen(request) as answer:
            error = json.loads(answer.read())["error"]
        assert "WebSocket" in error["message"], error
    print("websockets subscriber: all checks passed")


asyncio.run(main())
