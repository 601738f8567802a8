#!/usr/bin/env bash
# Events through the service, on loopback, with a release `kassa serve` on a fresh data folder:
#  1. accepted per second: POST /v1/events closed loop (each request its own event id and
#     Idempotency-Key; validated, rendered, stored with its outbox rows, committed before the 202),
#     from a partner's sandbox token, while the dispatcher sends them through the simulated providers;
#  2. event to message accepted by an SMTP server (Postfix's smtp-sink): live events from an operator
#     at a fixed 200 per second, the service's own histogram kassa_event_to_send_seconds.
#  With a rate, step 1 sends that many events a second instead of as many as it can: the service's
#  CPU per event at a fixed load varies less between runs than a closed loop's throughput does, so
#  a change is judged by it.
# Usage: Benchmarks/events-throughput.sh [seconds] [connections] [rate]    (defaults 10, 16, none)
#  KASSA_BIN=path runs that `kassa` instead of building the checkout's (to compare two builds).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
seconds="${1:-10}"
connections="${2:-16}"
rate="${3:-}"
if ! command -v smtp-sink >/dev/null; then
    echo "events-throughput: installing postfix for smtp-sink" >&2
    sudo_="$( [ "$(id -u)" = 0 ] || echo sudo )"
    $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >&2
fi
[[ -n "${KASSA_BIN:-}" ]] || swift build -c release --package-path "$repo" --product kassa >&2
swift build -c release --package-path "$here" --product loadgen >&2
kassa="${KASSA_BIN:-$(swift build -c release --package-path "$repo" --show-bin-path)/kassa}"
loadgen="$(swift build -c release --package-path "$here" --show-bin-path)/loadgen"

work="$(mktemp -d)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sink_port="$(free_port)"
smtp-sink -u nobody "127.0.0.1:$sink_port" 256 &
sink=$!
server=""
trap 'kill $sink 2>/dev/null; [[ -n "$server" ]] && kill -TERM $server 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

partner_json="$("$kassa" partners create --name "Бенчмарк" --json --data-dir "$work/data" 2>/dev/null)"
operator_json="$("$kassa" operators create --name bench --json --data-dir "$work/data" 2>/dev/null)"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
partner="$(field "$partner_json" id)"; live="$(field "$partner_json" token)"; sandbox="$(field "$partner_json" sandbox_token)"
operator="$(field "$operator_json" token)"
printf '{"providers": {"smtp": {"url": "smtp://127.0.0.1:%s", "tls": "none", "from": "noreply@apikassa.ru", "connections": "8"}}}' \
    "$sink_port" >"$work/kassa.json"
"$kassa" serve --port 0 --config "$work/kassa.json" --data-dir "$work/data" --base-templates "$repo/BaseTemplates" \
    >"$work/serve.out" 2>"$work/serve.log" &
server=$!
for _ in $(seq 1 100); do grep -q '^listening on' "$work/serve.out" && break; sleep 0.1; done
base="$(sed -n 's/^listening on //p' "$work/serve.out")"
[[ -n "$base" ]] || { echo "events-throughput: the server did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }

# The hosts of the sample's links, registered for the partner.
for host in $(curl -sf "$base/v1/events" -H "Authorization: Bearer $live" |
        python3 -c 'import json,sys,re; print(" ".join(sorted(set(re.findall(r"https?://([^/\"]+)", json.dumps([e["sample"] for e in json.load(sys.stdin)["events"]]))))))'); do
    curl -sf -X PUT "$base/v1/link-hosts/$host" -H "Authorization: Bearer $live" >/dev/null
done
sample="$(curl -sf "$base/v1/events" -H "Authorization: Bearer $live" |
    python3 -c 'import json,sys; print(json.dumps([e for e in json.load(sys.stdin)["events"] if e["name"] == "order.paid"][0]["sample"]))')"
event() { printf '{"id": "%s-{n}", "type": "order.paid", %s"order_id": "KO-{n}", "data": %s, "contacts": {"email": "payer{n}@example.ru"}}' "$1" "$2" "$sample"; }

# The service's CPU time (user + system, in clock ticks) so far, to divide by the events it took.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
drain() {
    for _ in $(seq 1 300); do
        depth="$(curl -sf "$base/metrics" | awk '/^kassa_outbox_depth/ {print $2}')"
        [[ "$depth" == 0 ]] && return; sleep 0.2
    done
}
accepted_total() { curl -sf "$base/metrics" | awk '/^kassa_http_requests_total.*POST.*\/v1\/events.*202/ {s += $2} END {print s + 0}'; }

load="closed loop"; [[ -n "$rate" ]] && load="$rate a second"
echo "1. events accepted per second (sandbox token, $load, $connections connections, $seconds s)"
ticks_before="$(cpu_ticks)"; events_before="$(accepted_total)"
"$loadgen" --url "$base/v1/events" --method POST --header "Authorization: Bearer $sandbox" --header "Idempotency-Key: k-{n}" \
    --body "$(event sb "")" --connections "$connections" --seconds "$seconds" ${rate:+--rate "$rate"} ${JSON:+--json}
drain
ticks_after="$(cpu_ticks)"; events_after="$(accepted_total)"
python3 -c 'import sys, os
ticks, events = int(sys.argv[1]), int(sys.argv[2])
hz = os.sysconf("SC_CLK_TCK")
print(f"service CPU per event, accepted and dispatched: {1000 * ticks / hz / max(events, 1):.2f} ms ({events} events, {ticks / hz:.1f} CPU-s)")' \
    "$((ticks_after - ticks_before))" "$((events_after - events_before))"

echo "2. event to SMTP acceptance (operator, live, 200 events/s for $seconds s)"
"$loadgen" --url "$base/v1/events" --method POST --header "Authorization: Bearer $operator" --header "Idempotency-Key: live-{n}" \
    --body "$(event live "\"partner_id\": \"$partner\", ")" --connections 4 --rate 200 --seconds "$seconds" ${JSON:+--json}
# Let the outbox drain, then read the service's histogram.
drain
curl -sf "$base/metrics" | python3 -c '
import sys, re
buckets = []; count = 0
for line in sys.stdin:
    m = re.match(r"kassa_event_to_send_seconds_bucket\{le=\"([^\"]+)\"\} (\d+)", line)
    if m: buckets.append((m.group(1), int(m.group(2))))
    m = re.match(r"kassa_event_to_send_seconds_count (\d+)", line)
    if m: count = int(m.group(1))
def pct(p):
    for le, n in buckets:
        if n >= p * count: return le
print(f"{count} messages accepted by smtp-sink; event to acceptance: p50 <= {pct(0.5)} s, p99 <= {pct(0.99)} s, p99.9 <= {pct(0.999)} s")
print("histogram: " + ", ".join(f"le {le}: {n}" for le, n in buckets))
'
