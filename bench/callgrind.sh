#!/usr/bin/env bash
# Instructions per pass-through request, counted by callgrind: a measure that a
# busy machine does not disturb, to compare two builds of the same code path.
#   bash bench/callgrind.sh [routeiq binary] [requests]
# VIRTUAL_KEY=1 sends a virtual key (made with /key/generate on a SQLite file
# in the work dir) instead of the master key: the difference is the cost of
# the cached key check.
# Prints "instructions/request" and leaves the profile in $OUT (default
# /tmp/routeiq-callgrind) for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/routeiq}
N=${2:-2000}
OUT=${OUT:-/tmp/routeiq-callgrind}
MOCK=${MOCK_PROVIDER_BIN:-build/mock-provider}
CLIENT=${BENCH_CLIENT_BIN:-build/bench/bench-client}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

port_of() {  # waits for "listening on host:port" in a log
  for _ in $(seq 300); do
    if grep -qo 'listening on [^ ]*:[0-9]*' "$1" 2>/dev/null; then
      grep -o 'listening on [^ ]*:[0-9]*' "$1" | head -1 | sed 's/.*://'
      return
    fi
    sleep 0.1
  done
  echo "no listening line in $1" >&2
  exit 1
}

"$MOCK" --port 0 --name bench --api-key sk-up >"$work/mock.log" 2>&1 &
mock_port=$(port_of "$work/mock.log")
cat >"$work/config.yaml" <<YAML
model_list:
  - model_name: bench-model
    litellm_params: {model: openai/bench-model, api_base: "http://127.0.0.1:$mock_port/v1", api_key: sk-up}
general_settings:
  master_key: sk-master
  database_url: "sqlite://$work/keys.db"
YAML
python3 - "$work/body.json" <<'PY'
import json, sys
text = "Please tell me about the history of the city of Lyon in France. " * 8
json.dump({"model": "bench-model", "messages": [{"role": "user", "content": text}],
           "max_tokens": 200}, open(sys.argv[1], "w"))
PY
valgrind --tool=callgrind --callgrind-out-file="$OUT.%p" \
  "$BIN" serve --config "$work/config.yaml" --port 0 --threads 1 >"$work/gw.log" 2>&1 &
gw=$!
gw_port=$(port_of "$work/gw.log")
key=sk-master
if [ "${VIRTUAL_KEY:-0}" = 1 ]; then
  key=$(curl -sf "http://127.0.0.1:$gw_port/key/generate" -H "Authorization: Bearer sk-master" \
    -H 'content-type: application/json' -d '{"models":["bench-model"]}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
fi
"$CLIENT" --mode latency --body "$work/body.json" --rounds 1 --requests 200 --warmup 0 \
  --header "Authorization: Bearer $key" --target "gw=127.0.0.1:$gw_port" >/dev/null
callgrind_control -z "$gw" >/dev/null
"$CLIENT" --mode latency --body "$work/body.json" --rounds 1 --requests "$N" --warmup 0 \
  --header "Authorization: Bearer $key" --target "gw=127.0.0.1:$gw_port" >/dev/null
callgrind_control -d "$gw" >/dev/null
sleep 0.5
kill -INT "$gw"; wait "$gw" 2>/dev/null || true
profile="$OUT.$gw.1"  # the dump taken after the measured requests
total=$(callgrind_annotate "$profile" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1; exit}')
echo "profile: $profile"
echo "instructions/request: $((total / N))"
