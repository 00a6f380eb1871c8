"""paho-mqtt (MQTT 5) calls `datacenter serve --mqtt`, two processes of it
sharing the request topic: each call is a JSON-RPC 2.0 request published
with a response topic and correlation data, each answer comes back with
them. Both processes take calls, none is answered twice; after the first is
killed (SIGKILL), the calls keep being answered by the other.

Usage: paho_client.py HOST PORT TOPIC PID_TO_KILL
"""
import json
import os
import signal
import sys
import threading
import time
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

host, port, topic, victim = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
reply_topic = "paho/replies/" + uuid.uuid4().hex

answers = {}  # correlation data -> [(answer, server)]
lock = threading.Lock()
subscribed = threading.Event()


def on_connect(client, userdata, flags, reason_code, properties):
    client.subscribe(reply_topic, qos=1)


def on_subscribe(client, userdata, mid, reason_codes, properties):
    subscribed.set()


def on_message(client, userdata, message):
    props = message.properties
    server = dict(getattr(props, "UserProperty", []) or []).get("x-rpc-server")
    with lock:
        answers.setdefault(props.CorrelationData, []).append((json.loads(message.payload), server))


client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect(host, port)
client.loop_start()
assert subscribed.wait(10), "cannot subscribe to the reply topic"


def call(method, params, correlation, respond=True):
    props = Properties(PacketTypes.PUBLISH)
    if respond:
        props.ResponseTopic = reply_topic
        props.CorrelationData = correlation
    body = {"jsonrpc": "2.0", "method": method, "params": params}
    if respond:
        body["id"] = correlation.decode()
    client.publish(topic, json.dumps(body), qos=1, properties=props).wait_for_publish(5)


def wait_for(correlations, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with lock:
            if all(c in answers for c in correlations):
                return True
        time.sleep(0.01)
    return False


# Both processes take calls.
first = [b"a-%d" % i for i in range(200)]
for correlation in first:
    call("get_server", [1], correlation)
assert wait_for(first, 20), "not every call was answered"
servers = {}
for correlation in first:
    (answer, server), = answers[correlation]  # exactly one answer
    assert answer["result"]["hostname"] == "us-east-1a", answer
    assert answer["id"] == correlation.decode(), answer
    servers[server] = servers.get(server, 0) + 1
assert len(servers) == 2, "the calls were not split: %s" % servers
print("split between the two processes:", servers)

# An error, and a notification (no response topic: run, not answered).
call("get_server", [999], b"error-1")
call("create_server", [{"hostname": "paho-1", "country": 31, "datacenter": "ams1"}], b"", respond=False)
assert wait_for([b"error-1"], 10)
assert answers[b"error-1"][0][0]["error"]["code"] == 404, answers[b"error-1"]

# Kill one process during a stream of calls: after the kill, calls are
# answered by the other. A call the killed one had taken, and not yet
# answered, is not answered at all (its caller times out).
killed_at = None
second = []
for i in range(300):
    if i == 100:
        os.kill(victim, signal.SIGKILL)
        killed_at = time.time()
    correlation = b"b-%d" % i
    second.append(correlation)
    call("get_active_servers", [3], correlation)
    time.sleep(0.005)
wait_for(second, 5)
lost = [c for c in second if c not in answers]
assert len(lost) <= 20, "%d calls lost: %s" % (len(lost), lost)
for correlation in second[150:]:
    assert correlation in answers, "a call well after the kill was not answered: %s" % correlation
for correlation in second:
    assert len(answers.get(correlation, [])) <= 1, "answered twice: %s" % correlation
survivors = {server for c in second[150:] for _, server in answers[c]}
assert len(survivors) == 1, survivors
print("after the kill: %d of %d answered, %d lost (taken by the killed process)" % (len(second) - len(lost), len(second), len(lost)))

client.loop_stop()
client.disconnect()
print("all checks passed")
