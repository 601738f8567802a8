"""An independent Standard Webhooks verifier, from the specification with the standard library only.

    verify_webhook.py SECRET NOW < {"headers": {...}, "body": "..."}

Prints "ok" and exits 0 when one v1 signature in webhook-signature is the base64 HMAC-SHA256, under
the base64 key after "whsec_", of "{webhook-id}.{webhook-timestamp}.{body}", and the timestamp is
within 5 minutes of NOW (Unix seconds); otherwise prints why and exits 1.
"""
import base64
import hashlib
import hmac
import json
import sys


def main():
    secret, now = sys.argv[1], int(sys.argv[2])
    message = json.load(sys.stdin)
    headers = {name.lower(): value for name, value in message["headers"].items()}
    body = message["body"].encode("utf-8")
    if not secret.startswith("whsec_"):
        return "the secret does not start with whsec_"
    key = base64.b64decode(secret[len("whsec_"):], validate=True)
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(now - int(timestamp)) > 300:
        return "the timestamp is more than 5 minutes away"
    content = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for signature in headers["webhook-signature"].split(" "):
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return None
    return "no signature matches"


if __name__ == "__main__":
    problem = main()
    print(problem or "ok")
    sys.exit(1 if problem else 0)
