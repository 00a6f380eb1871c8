"""pika subscribing to `watch_servers` over AMQP, the way one subscribes to
anything on RabbitMQ: a queue of its own as reply_to, a correlation_id, a
JSON-RPC body. A server created in country 3 over REST arrives (with the
call's correlation_id and its place in the stream), one in country 44 does
not; `rpc.unsubscribe`, sent to the queue the first answer names, ends it
with a last message. Then, on a second subscription, the subscriber's queue
is deleted under it, and the server is seen to notice: its heartbeats stop.
Usage: pika_subscriber.py AMQP_URL QUEUE BASE_URL"""
import json
import sys
import time
import urllib.request
import uuid

import pika

url, queue, base = sys.argv[1:4]


def create_over_rest(hostname, country):
    body = json.dumps({"hostname": hostname, "country": country, "datacenter": "pika"}).encode()
    request = urllib.request.Request(base + "/servers", data=body,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 201, answer.status


connection = pika.BlockingConnection(pika.URLParameters(url))
channel = connection.channel()


def next_message(reply_queue, timeout=10):
    """The next message on `reply_queue`: (properties, parsed body)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        method, properties, body = channel.basic_get(reply_queue, auto_ack=True)
        if method:
            return properties, json.loads(body)
        connection.sleep(0.02)
    raise AssertionError(f"nothing on {reply_queue} for {timeout} s")


def subscribe(country):
    reply_queue = channel.queue_declare(queue="", exclusive=True).method.queue
    correlation_id = str(uuid.uuid4())
    call = {"jsonrpc": "2.0", "method": "watch_servers", "params": {"country": country}, "id": 1}
    channel.basic_publish(exchange="", routing_key=queue, body=json.dumps(call),
                          properties=pika.BasicProperties(reply_to=reply_queue,
                                                          correlation_id=correlation_id,
                                                          content_type="application/json"))
    properties, answer = next_message(reply_queue)
    assert properties.correlation_id == correlation_id, properties
    assert properties.headers["x-rpc-seq"] == 0, properties.headers
    assert answer["id"] == 1 and isinstance(answer["result"], str), answer
    # The queue to send rpc.unsubscribe to.
    assert properties.reply_to, properties
    return reply_queue, correlation_id, answer["result"], properties


# --- items, then rpc.unsubscribe ---------------------------------------------
reply_queue, correlation_id, subscription, first = subscribe(3)
create_over_rest("pika-44", 44)
create_over_rest("pika-3", 3)
properties, item = None, None
while True:
    properties, item = next_message(reply_queue)
    if item["method"] != "rpc.heartbeat":
        break
assert properties.correlation_id == correlation_id, properties
assert properties.headers["x-rpc-seq"] >= 1, properties.headers
assert item["method"] == "watch_servers", item
assert item["params"]["subscription"] == subscription, item
assert item["params"]["result"]["server"]["hostname"] == "pika-3", item
assert item["params"]["result"]["change"] == "created", item

unsubscribe = {"jsonrpc": "2.0", "method": "rpc.unsubscribe",
               "params": {"subscription": subscription}, "id": 2}
channel.basic_publish(exchange="", routing_key=first.reply_to, body=json.dumps(unsubscribe),
                      properties=pika.BasicProperties(reply_to=reply_queue, correlation_id="unsub",
                                                      content_type="application/json"))
seen = {}
while len(seen) < 2:
    properties, message = next_message(reply_queue)
    if properties.correlation_id == "unsub":
        seen["answer"] = message
    elif message.get("method") == "watch_servers" and "result" not in message["params"]:
        assert properties.headers["x-rpc-end"] is True, properties.headers
        seen["end"] = message
assert seen["answer"] == {"jsonrpc": "2.0", "result": True, "id": 2}, seen
assert seen["end"]["params"] == {"subscription": subscription, "end": True}, seen
create_over_rest("pika-3-after", 3)
connection.sleep(0.5)
method, _, body = channel.basic_get(reply_queue, auto_ack=True)
assert method is None, f"a message after the end: {body}"
print("pika subscriber: items and rpc.unsubscribe passed")

# --- a subscriber whose queue is deleted ---------------------------------------
reply_queue, correlation_id, subscription, first = subscribe(None)
heartbeat_ms = first.headers["x-rpc-heartbeat-ms"]
channel.queue_delete(reply_queue)
# The server notices at its next heartbeat and ends the subscription:
# unsubscribing it then finds nothing.
connection.sleep(heartbeat_ms / 1000 * 3)
answers = channel.queue_declare(queue="", exclusive=True).method.queue
unsubscribe["params"]["subscription"] = subscription
unsubscribe["id"] = 3
channel.basic_publish(exchange="", routing_key=first.reply_to, body=json.dumps(unsubscribe),
                      properties=pika.BasicProperties(reply_to=answers, correlation_id="unsub-2",
                                                      content_type="application/json"))
_, answer = next_message(answers)
assert answer == {"jsonrpc": "2.0", "result": False, "id": 3}, answer
connection.close()
print("pika subscriber: all checks passed")
