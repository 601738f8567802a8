"""A loopback SMTP server for the Channels tests, on aiosmtpd (an implementation independent of ours).

Prints {"port": N} when ready, then one JSON line per event: ehlo, auth (user, ok), message (from,
to, data as base64). Options inject what a real server does: STARTTLS (required) or TLS from the
first byte, AUTH, a refusal at a given step, silence (never answers), slowness (--delay). Stops
when stdin closes.
"""
import argparse
import asyncio
import base64
import json
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def emit(**event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class Handler:
    def __init__(self, refuse, delay=0.0):
        self.refuse = refuse  # {"RCPT": "550 5.1.1 No such user", ...}
        self.delay = delay  # seconds before answering the end of DATA (a slow server)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        emit(event="ehlo", hostname=hostname)
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if "MAIL" in self.refuse:
            return self.refuse["MAIL"]
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "RCPT" in self.refuse:
            return self.refuse["RCPT"]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if "DATA" in self.refuse:
            return self.refuse["DATA"]
        if self.delay:
            await asyncio.sleep(self.delay)
        emit(event="message", mail_from=envelope.mail_from, rcpt_tos=envelope.rcpt_tos,
             data=base64.b64encode(envelope.original_content).decode())
        return "250 2.0.0 Queued"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def silent_server(port):
    """Accepts connections and never says a word (a hung server)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen()
    held = []

    def loop():
        while True:
            conn, _ = listener.accept()
            held.append(conn)

    threading.Thread(target=loop, daemon=True).start()
    return listener


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--auth", help="USER:PASSWORD that the server accepts")
    parser.add_argument("--auth-without-tls", action="store_true", help="offer AUTH on a plain connection")
    parser.add_argument("--refuse", action="append", default=[], help="STEP:REPLY, e.g. 'RCPT:550 5.1.1 No such user'")
    parser.add_argument("--silent", action="store_true")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before accepting each message")
    args = parser.parse_args()

    port = free_port()
    if args.silent:
        silent_server(port)
        emit(port=port)
        sys.stdin.read()
        return

    refuse = dict(item.split(":", 1) for item in args.refuse)
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = False
        user = None
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode()
            ok = args.auth is not None and f"{user}:{auth_data.password.decode()}" == args.auth
        emit(event="auth", user=user, ok=ok)
        # handled=False: let aiosmtpd answer 535 itself on a failure.
        return AuthResult(success=ok, handled=False)

    kwargs = dict(hostname="127.0.0.1", port=port, server_hostname="localhost")
    if args.auth:
        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=not args.auth_without_tls)
    if context is not None and args.implicit_tls:
        kwargs.update(ssl_context=context)
    elif context is not None:
        kwargs.update(tls_context=context, require_starttls=True)
    controller = Controller(Handler(refuse, args.delay), **kwargs)
    controller.start()
    emit(port=port)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
