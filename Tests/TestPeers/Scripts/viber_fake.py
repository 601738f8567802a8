"""A fake edna Pulse API for the Viber adapter's tests: sending a Viber message by template id as
edna documents it (https://docs-pulse.edna.io/docs/api/messages/sending-id).

    POST /api/v1/out-messages/viber/template, JSON, `X-API-KEY: <key>`
    {"messageId", "sender", "phone", "templateId", "textVariables"}
    -> 200 {"outMessageId": N, "messageId", "phone"}
    -> 401 {"title": "Unauthorized", "detail": "auth-error"}        a wrong or missing key
    -> 400 {"title": "Bad Request", "detail": "<edna error code>"}  a request edna refuses

It checks the key, the sender (`--sender`; `error-subject-unknown`), the phone (digits, country
code first; `error-address-format`) and the template (`--template`, the ids registered and
approved; `not-template-match`). Like edna, which cancels a duplicate within 20 minutes, the same
`messageId` within `--window` seconds answers the first message's id again and delivers nothing.
Each message it delivers is printed as {"event": "delivered", "outMessageId", "messageId",
"phone", "templateId", "textVariables"}.
"""
import json
import threading
import time

from fake_http import FakeProvider, emit


def reply(status, value):
    return status, {"Content-Type": "application/json"}, json.dumps(value, ensure_ascii=False)


def refusal(status, code):
    titles = {400: "Bad Request", 401: "Unauthorized"}
    return reply(status, {"type": "about:blank", "title": titles.get(status, "Error"), "status": status, "detail": code})


class EdnaFake(FakeProvider):
    def __init__(self):
        super().__init__()
        self.sent = {}
        self.next_id = 500000
        self.state = threading.Lock()

    def arguments(self, parser):
        parser.add_argument("--api-key", default="edna-test-key")
        parser.add_argument("--sender", default="SHOP_VIBER")
        parser.add_argument("--template", action="append", type=int, default=[], help="an approved template id")
        parser.add_argument("--window", type=float, default=1200.0, help="seconds a messageId is remembered")

    def configure(self, options):
        self.key = options.api_key
        self.sender = options.sender
        self.templates = set(options.template) or {1043}
        self.window = options.window

    def answer(self, request):
        if request["method"] != "POST" or request["path"] != "/api/v1/out-messages/viber/template":
            return reply(404, {"title": "Not Found", "status": 404, "detail": "not-found"})
        if request["headers"].get("x-api-key") != self.key:
            return refusal(401, "auth-error")
        try:
            body = json.loads(request["body"])
        except ValueError:
            return refusal(400, "error-syntax")
        if body.get("sender") != self.sender:
            return refusal(400, "error-subject-unknown")
        phone = body.get("phone")
        if not isinstance(phone, str) or not phone.isdigit() or not 10 <= len(phone) <= 15:
            return refusal(400, "error-address-format")
        template = body.get("templateId")
        if not isinstance(template, int) or template not in self.templates:
            return refusal(400, "not-template-match")
        variables = body.get("textVariables") or []
        if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
            return refusal(400, "error-content-format")
        message_id = body.get("messageId")
        now = time.monotonic()
        with self.state:
            earlier = self.sent.get(message_id) if message_id else None
            if earlier and now - earlier[1] < self.window:
                return reply(200, {"outMessageId": earlier[0], "messageId": message_id, "phone": phone})
            self.next_id += 1
            out_id = self.next_id
            if message_id:
                self.sent[message_id] = (out_id, now)
        emit(event="delivered", outMessageId=out_id, messageId=message_id, phone=phone, templateId=template, textVariables=variables)
        return reply(200, {"outMessageId": out_id, "messageId": message_id, "phone": phone})


if __name__ == "__main__":
    EdnaFake().run()
