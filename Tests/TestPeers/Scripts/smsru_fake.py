"""SMS.ru's HTTP API on loopback, as its documentation describes it (reference §3.2; the `smsru`
Rust crate's SPEC.md, which records SMS.ru's own documentation):

  POST /sms/send    api_id, to (comma-separated, at most 100), msg, json=1, from, ttl, test=1
  POST /sms/status  api_id, sms_id (comma-separated, at most 100), json=1

A GET is refused with code 210, a wrong api_id with 200, a missing text with 203; a number that is not
eleven digits starting with 7 gets a per-recipient 202 while the request itself is OK, as SMS.ru does.
Without json=1 the answer is SMS.ru's plain-text form. `test=1` answers as usual but charges nothing
and marks the message as a test. Messages sent are remembered: /sms/status answers with
--delivery-code for them (103, delivered, by default) and -1 for ids it never gave out.

Options: --api-id (the account's key), --balance, --price, --delivery-code.
"""
import itertools
import json
import threading
import urllib.parse

from fake_http import FakeProvider

TEXTS = {
    100: "Сообщение принято к отправке",
    200: "Неправильный api_id",
    202: "Неправильно указан номер телефона получателя, либо на него нет маршрута",
    203: "Нет текста сообщения",
    210: "Используется GET, где необходимо использовать POST",
    211: "Метод не найден",
    -1: "Сообщение не найдено",
}


class SMSRuFake(FakeProvider):
    def __init__(self):
        super().__init__()
        self.ids = itertools.count(10000000)
        self.sent = {}  # sms_id -> {"to", "msg", "test"}
        self.sent_lock = threading.Lock()

    def arguments(self, parser):
        parser.add_argument("--api-id", default="test-api-id")
        parser.add_argument("--balance", type=float, default=100.0)
        parser.add_argument("--price", type=float, default=2.5)
        parser.add_argument("--delivery-code", type=int, default=103)

    def configure(self, options):
        self.api_id = options.api_id
        self.balance = options.balance
        self.price = options.price
        self.delivery_code = options.delivery_code

    def answer(self, request):
        fields = dict(urllib.parse.parse_qsl(request["body"] if request["method"] == "POST" else request["query"],
                                             keep_blank_values=True))
        as_json = fields.get("json") == "1"
        if request["path"] not in ("/sms/send", "/sms/status"):
            return self.error(211, as_json)
        if request["method"] != "POST":
            return self.error(210, as_json)
        if fields.get("api_id") != self.api_id:
            return self.error(200, as_json)
        if request["path"] == "/sms/send":
            return self.send(fields, as_json)
        return self.status(fields, as_json)

    def send(self, fields, as_json):
        msg = fields.get("msg", "")
        if not msg:
            return self.error(203, as_json)
        test = fields.get("test") == "1"
        results = {}
        for phone in [p.strip() for p in fields.get("to", "").split(",") if p.strip()][:100]:
            if len(phone) == 11 and phone.isdigit() and phone.startswith("7"):
                sms_id = "000000-%d" % next(self.ids)
                with self.sent_lock:
                    self.sent[sms_id] = {"to": phone, "msg": msg, "test": test}
                    if not test:
                        self.balance -= self.price
                results[phone] = {"status": "OK", "status_code": 100, "sms_id": sms_id}
            else:
                results[phone] = {"status": "ERROR", "status_code": 202, "status_text": TEXTS[202]}
        if not as_json:
            lines = ["100"] + [r.get("sms_id") or str(r["status_code"]) for r in results.values()]
            return self.plain(lines + ["balance=%.2f" % self.balance])
        return self.json({"status": "OK", "status_code": 100, "sms": results, "balance": round(self.balance, 2)})

    def status(self, fields, as_json):
        results = {}
        for sms_id in [i.strip() for i in fields.get("sms_id", "").split(",") if i.strip()]:
            with self.sent_lock:
                known = sms_id in self.sent
            if known:
                results[sms_id] = {"status": "OK", "status_code": self.delivery_code, "cost": "0.00" if self.sent[sms_id]["test"] else str(self.price)}
            else:
                results[sms_id] = {"status": "ERROR", "status_code": -1, "status_text": TEXTS[-1]}
        if not as_json:
            return self.plain(["100"] + [str(r["status_code"]) for r in results.values()])
        return self.json({"status": "OK", "status_code": 100, "sms": results, "balance": round(self.balance, 2)})

    def error(self, code, as_json):
        if not as_json:
            return self.plain([str(code)])
        return self.json({"status": "ERROR", "status_code": code, "status_text": TEXTS.get(code, "")})

    @staticmethod
    def json(answer):
        return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(answer, ensure_ascii=False)

    @staticmethod
    def plain(lines):
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, "\n".join(lines)


if __name__ == "__main__":
    SMSRuFake().run()
