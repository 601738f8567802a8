"""The common part of the fake providers (SMS.ru, Viber, VK) that the Channels tests send to.

A loopback HTTP/1.1 server (keep-alive, optional TLS) that prints {"port": N} when ready and one JSON
line per request it receives: {"event": "request", "method", "path", "query", "headers", "body"}.
It answers as the provider's documentation says (a subclass's `answer`), unless the test scripted
the next answers: each line on stdin is a JSON object that queues one, acknowledged by
{"event": "scripted", "count": N}:

    {"path": "/sms/send", "status": 200, "body": "...", "headers": {...}}   a canned answer
    {"delay": 3.0, ...}        answer after 3 s (a slow provider; a timeout when longer than ours)
    {"drop": true}             close the connection without answering
    {"raw": "HTTP/1.1 200 OK\r\n..."}   bytes as they are (a malformed answer)

"path" is optional (any path when absent). The server stops when stdin closes.
"""
import argparse
import json
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def emit(**event):
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


class FakeProvider:
    """Subclass and override `answer(request)` -> (status, headers dict, body str) for the protocol."""

    def __init__(self):
        self.script = []
        self.lock = threading.Lock()

    def answer(self, request):
        return 404, {"Content-Type": "text/plain"}, "no such method\n"

    def scripted(self, path):
        with self.lock:
            for i, entry in enumerate(self.script):
                if entry.get("path") in (None, path):
                    return self.script.pop(i)
        return None

    def arguments(self, parser):
        """A subclass adds its own options here."""

    def configure(self, options):
        """A subclass reads its own options here."""

    def run(self):
        parser = argparse.ArgumentParser()
        parser.add_argument("--cert")
        parser.add_argument("--key")
        self.arguments(parser)
        options = parser.parse_args()
        self.configure(options)
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                url = urllib.parse.urlsplit(self.path)
                request = {"method": self.command, "path": url.path, "query": url.query,
                           "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                emit(event="request", **request)
                entry = provider.scripted(url.path)
                if entry is not None:
                    if entry.get("delay"):
                        time.sleep(entry["delay"])
                    if entry.get("drop"):
                        self.close_connection = True
                        return
                    if "raw" in entry:
                        self.wfile.write(entry["raw"].encode())
                        self.close_connection = True
                        return
                    status, headers, text = entry.get("status", 200), entry.get("headers", {}), entry.get("body", "")
                else:
                    status, headers, text = provider.answer(request)
                data = text.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = handle_any
            do_POST = handle_any

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        if options.cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(options.cert, options.key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        emit(port=server.server_address[1])
        count = 0
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            with self.lock:
                self.script.append(json.loads(line))
            count += 1
            emit(event="scripted", count=count)
        server.shutdown()


if __name__ == "__main__":
    FakeProvider().run()
