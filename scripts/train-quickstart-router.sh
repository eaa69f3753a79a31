#!/usr/bin/env bash
# Trains the learned router of config/quickstart.yaml's `demo-auto` group from
# the RouteLLM sample in tests/data/ml/routellm (MMLU questions answered by
# Mixtral-8x7B and GPT-4), so `make run` serves it with no download and no key.
#
#   scripts/train-quickstart-router.sh ROUTEIQ_BINARY OUT_DIR
#
# Writes OUT_DIR/demo-router (the model config/quickstart.yaml names, relative
# to the directory routeiq serve runs in: build/quickstart/demo-router) and the
# imported data, prices and training summary next to it. Deterministic (fixed
# seed): the same data gives the same model.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 ROUTEIQ_BINARY OUT_DIR" >&2
  exit 2
fi
bin=$1
out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"

"$bin" import routellm --csv "$root/tests/data/ml/routellm" --out "$out/demo-data.jsonl" >/dev/null

# USD per million tokens, as the providers listed them: the demo-fast and
# demo-smart groups stand for these two models (quickstart.yaml's model_map).
cat >"$out/demo-prices.json" <<'EOF'
{
  "mistralai/Mixtral-8x7B-Instruct-v0.1": {"input_price": 0.6, "output_price": 0.6, "size": "47B"},
  "gpt-4-1106-preview": {"input_price": 10, "output_price": 30, "size": "unknown"}
}
EOF

"$bin" train --router knn --data "$out/demo-data.jsonl" --prices "$out/demo-prices.json" \
  --seed 1 --val-fraction 0 --out "$out/demo-router" >"$out/demo-train.json"
