"""pika hearing the inventory's changes the way one listens to any RabbitMQ
exchange: a queue of its own, bound to the topic exchange `<queue>.events`
for every routing key. A server created, changed and deleted over REST
arrives as three JSON-RPC notifications of `server_changed`, routed by
that name, in that order.
Usage: pika_events.py AMQP_URL EXCHANGE BASE_URL"""
import json
import sys
import urllib.request

import pika

url, exchange, base = sys.argv[1:4]


def rest(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        text = answer.read()
        return json.loads(text) if text else None


connection = pika.BlockingConnection(pika.URLParameters(url))
channel = connection.channel()
channel.exchange_declare(exchange, exchange_type="topic", durable=True, passive=True)
queue = channel.queue_declare("", exclusive=True).method.queue
channel.queue_bind(queue, exchange, routing_key="#")

made = rest("POST", "/servers", {"hostname": "pika-events-1", "country": 7, "datacenter": "pika"})
rest("PATCH", f"/servers/{made['id']}", {"active": False})
rest("DELETE", f"/servers/{made['id']}")

heard = []
for method, properties, body in channel.consume(queue, auto_ack=True, inactivity_timeout=10):
    if method is None:
        break
    assert properties.content_type == "application/json", properties.content_type
    assert method.routing_key == "server_changed", method.routing_key
    call = json.loads(body)
    assert call["jsonrpc"] == "2.0" and call["method"] == "server_changed" and "id" not in call, call
    params = call["params"]
    event = params["event"] if isinstance(params, dict) else params[0]
    heard.append((event["change"], event["server"]["id"], event["server"]["active"]))
    if len(heard) == 3:
        break
assert heard == [
    ("created", made["id"], True),
    ("updated", made["id"], False),
    ("deleted", made["id"], False),
], heard
print("pika heard", heard)
print("all checks passed")
connection.close()
