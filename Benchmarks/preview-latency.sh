#!/usr/bin/env bash
# Template preview latency over HTTP: starts a release `kassa serve` on a fresh data folder (with the
# demo accounts), creates the partner's e-mail template from the base template of order.paid (HTML,
# partial-free) and an SMS template, then drives POST /v1/templates/ID/preview with loadgen on
# loopback and prints the latency percentiles.
# Usage: Benchmarks/preview-latency.sh [seconds] [connections]     (defaults 10 and 4)
#   JSON=1 prints one JSON document per template instead of the text lines.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
seconds="${1:-10}"
connections="${2:-4}"

swift build -c release --package-path "$repo" --product kassa >&2
swift build -c release --package-path "$here" --product loadgen >&2
kassa="$(swift build -c release --package-path "$repo" --show-bin-path)/kassa"
loadgen="$(swift build -c release --package-path "$here" --show-bin-path)/loadgen"

data="$(mktemp -d)"
out="$data/serve.out"
"$kassa" serve --port 0 --data-dir "$data/data" --base-templates "$repo/BaseTemplates" --demo >"$out" 2>"$data/serve.log" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do grep -q '^listening on' "$out" && break; sleep 0.1; done
base="$(sed -n 's/^listening on //p' "$out")"
token="$(awk '/live token:/ {print $3}' "$out")"
[[ -n "$base" && -n "$token" ]] || { echo "preview-latency: the server did not start:" >&2; cat "$data/serve.log" >&2; exit 1; }

# A JSON string of a file's contents, with Python (always there on Debian).
json_string() { python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$1"; }
email_body() {
    local dir="$repo/BaseTemplates/order.paid/email"
    printf '{"event": "order.paid", "channel": "email", "name": "bench-email", "content": {"subject": %s, "html": %s}}' \
        "$(json_string "$dir/subject.liquid")" \
        "$(python3 -c 'import json,sys,re; s=open(sys.argv[1]).read(); print(json.dumps(re.sub(r"\{%-?\s*(render|include)[^%]*%\}", "", s)))' "$dir/html.liquid")"
}
create() {
    curl -sf -X POST "$base/v1/templates" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$1" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
email_id="$(create "$(email_body)")"
sms_id="$(create '{"event": "order.paid", "channel": "sms", "name": "bench-sms", "content": {"body": "Заказ {{ order.number }} оплачен: {{ paid.amount | money }}"}}')"

for id in "$email_id" "$sms_id"; do
    args=(--url "$base/v1/templates/$id/preview" --method POST --header "Authorization: Bearer $token"
          --connections "$connections" --seconds "$seconds")
    [[ "${JSON:-}" == 1 ]] && args+=(--json)
    "$loadgen" "${args[@]}"
done
