#!/usr/bin/env bash
# E-mail throughput: MIME building, DKIM signing (RSA 2048) and sending over one reused SMTP
# connection to Postfix's smtp-sink on loopback. Our sender is held to CPU 0, the sink to CPU 1.
# Usage: Benchmarks/email-throughput.sh [seconds]   (default 5; JSON=1 for one JSON document)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
seconds="${1:-5}"
if ! command -v smtp-sink >/dev/null; then
    echo "email-throughput: installing postfix for smtp-sink" >&2
    sudo_="$( [ "$(id -u)" = 0 ] || echo sudo )"
    $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >&2
fi
swift build -c release --package-path "$here" --product mailbench >&2
bin="$(swift build -c release --package-path "$here" --show-bin-path)/mailbench"
work="$(mktemp -d)"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/dkim.pem" 2>/dev/null
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
taskset -c 1 smtp-sink -u nobody "127.0.0.1:$port" 256 &
sink=$!
trap 'kill $sink 2>/dev/null; rm -rf "$work"' EXIT
sleep 0.5
args=(--port "$port" --seconds "$seconds" --dkim-key "$work/dkim.pem")
[[ "${JSON:-}" == 1 ]] && args+=(--json)
taskset -c 0 "$bin" "${args[@]}"
