"""An RPC server written with pika the way the RabbitMQ tutorial does,
answering JSON-RPC 2.0 requests. Usage: pika_server.py AMQP_URL QUEUE"""
import json
import sys

import pika

connection = pika.BlockingConnection(pika.URLParameters(sys.argv[1]))
channel = connection.channel()
channel.queue_declare(queue=sys.argv[2])


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def on_request(ch, method, props, body):
    request = json.loads(body)
    params = request.get("params", {})
    if request["method"] == "fib":
        n = params["n"] if isinstance(params, dict) else params[0]
        response = {"jsonrpc": "2.0", "result": fib(n), "id": request["id"]}
    else:
        response = {"jsonrpc": "2.0", "error": {"code": -32601, "message": "no such method"}, "id": request["id"]}
    ch.basic_publish(
        exchange="",
        routing_key=props.reply_to,
        properties=pika.BasicProperties(correlation_id=props.correlation_id, content_type="application/json"),
        body=json.dumps(response),
    )
    ch.basic_ack(delivery_tag=method.delivery_tag)


channel.basic_qos(prefetch_count=1)
channel.basic_consume(queue=sys.argv[2], on_message_callback=on_request)
print("ready", flush=True)
channel.start_consuming()
