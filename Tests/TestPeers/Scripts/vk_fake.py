"""A fake VK API for the VK adapter's tests: `messages.send` as VK documents it for API 5.199.

    POST /method/messages.send, form-encoded, token in `Authorization: Bearer` (or `access_token`)
    -> {"response": <message id>}  or  {"error": {"error_code", "error_msg", "request_params"}}

It checks the token (error 5), `v` (error 8), `random_id` and the recipient (error 100), the text
length (error 914, over 9000 characters) and users who have not allowed messages (`--deny`,
error 901). Like VK, it drops a resend: the same `random_id` to the same peer within `--window`
seconds answers the first message's id again and delivers nothing. Each message it does deliver
is printed as {"event": "delivered", "peer_id", "message_id", "random_id", "message"}.
"""
import json
import threading
import time
import urllib.parse

from fake_http import FakeProvider, emit


def vk_error(code, message, params):
    body = {"error": {"error_code": code, "error_msg": message,
                      "request_params": [{"key": k, "value": v} for k, v in params if k != "access_token"]}}
    return 200, {"Content-Type": "application/json; charset=utf-8"}, json_text(body)


def json_text(value):
    return json.dumps(value, ensure_ascii=False)


class VKFake(FakeProvider):
    def __init__(self):
        super().__init__()
        self.sent = {}
        self.next_id = 1000
        self.state = threading.Lock()

    def arguments(self, parser):
        parser.add_argument("--token", default="vk-test-token")
        parser.add_argument("--deny", action="append", default=[], help="a user id that has not allowed messages")
        parser.add_argument("--window", type=float, default=3600.0, help="seconds a random_id is remembered")

    def configure(self, options):
        self.token = options.token
        self.denied = set(options.deny)
        self.window = options.window

    def answer(self, request):
        if request["method"] != "POST" or not request["path"].startswith("/method/"):
            return 404, {"Content-Type": "text/plain"}, "not found\n"
        params = urllib.parse.parse_qsl(request["body"], keep_blank_values=True)
        fields = dict(params)
        method = request["path"][len("/method/"):]
        auth = request["headers"].get("authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else fields.get("access_token", "")
        if not token:
            return vk_error(5, "User authorization failed: no access_token passed.", params)
        if token != self.token:
            return vk_error(5, "User authorization failed: invalid access_token (4).", params)
        if "v" not in fields:
            return vk_error(8, "Invalid request: v (version) is required", params)
        if method != "messages.send":
            return vk_error(3, "Unknown method passed.", params)
        return self.send(fields, params)

    def send(self, fields, params):
        peer = fields.get("user_id") or fields.get("peer_id") or ""
        if not peer.isdigit() or int(peer) <= 0:
            return vk_error(100, "One of the parameters specified was missing or invalid: user_id should be positive", params)
        random_id = fields.get("random_id", "")
        try:
            int(random_id)
        except ValueError:
            return vk_error(100, "One of the parameters specified was missing or invalid: random_id is a required parameter", params)
        message = fields.get("message", "")
        if not message:
            return vk_error(100, "One of the parameters specified was missing or invalid: message is empty or invalid", params)
        if len(message) > 9000:
            return vk_error(914, "Message is too long", params)
        if peer in self.denied:
            return vk_error(901, "Can't send messages for users without permission", params)
        now = time.monotonic()
        with self.state:
            key = (peer, random_id)
            earlier = self.sent.get(key)
            if earlier and now - earlier[1] < self.window:
                return 200, {"Content-Type": "application/json"}, json_text({"response": earlier[0]})
            self.next_id += 1
            message_id = self.next_id
            self.sent[key] = (message_id, now)
        emit(event="delivered", peer_id=int(peer), message_id=message_id, random_id=int(random_id), message=message)
        return 200, {"Content-Type": "application/json"}, json_text({"response": message_id})


if __name__ == "__main__":
    VKFake().run()
