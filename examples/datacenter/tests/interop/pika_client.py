"""The RabbitMQ RPC tutorial's client, with pika, calling the datacenter
service: a callback queue, reply_to, correlation_id, a JSON-RPC body.
Usage: pika_client.py AMQP_URL QUEUE [CA_FILE]
With CA_FILE (for an amqps:// URL), the broker's certificate must be signed by it."""
import json
import ssl
import sys
import uuid

import pika


class RpcClient:
    def __init__(self, url, queue, ca_file=None):
        self.queue = queue
        parameters = pika.URLParameters(url)
        if ca_file:
            context = ssl.create_default_context(cafile=ca_file)
            parameters.ssl_options = pika.SSLOptions(context, parameters.host)
        self.connection = pika.BlockingConnection(parameters)
        self.channel = self.connection.channel()
        result = self.channel.queue_declare(queue="", exclusive=True)
        self.callback_queue = result.method.queue
        self.channel.basic_consume(queue=self.callback_queue, on_message_callback=self.on_response, auto_ack=True)
        self.response = None
        self.corr_id = None

    def on_response(self, ch, method, props, body):
        if self.corr_id == props.correlation_id:
            self.response = (props, body)

    def call(self, method, params):
        self.response = None
        self.corr_id = str(uuid.uuid4())
        request = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
        self.channel.basic_publish(
            exchange="",
            routing_key=self.queue,
            properties=pika.BasicProperties(
                reply_to=self.callback_queue,
                correlation_id=self.corr_id,
                content_type="application/json",
            ),
            body=json.dumps(request),
        )
        while self.response is None:
            self.connection.process_data_events(time_limit=10)
        props, body = self.response
        assert props.content_type == "application/json", props.content_type
        return json.loads(body)


client = RpcClient(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
answer = client.call("get_active_servers", [3])
assert [s["id"] for s in answer["result"]] == [1, 2], answer
assert answer["result"][0]["hostname"] == "us-east-1a", answer
answer = client.call("get_active_servers", {"country": 49})
assert [s["id"] for s in answer["result"]] == [4], answer
# An id no server reaches, however many it creates.
answer = client.call("get_server", [4000000000])
assert answer["error"]["code"] == 404, answer
answer = client.call("no_such_method", [])
assert answer["error"]["code"] == -32601, answer
print("pika tutorial client: all checks passed")
