#!/usr/bin/env bash
# Regenerates docs/routing-eval.md: every learned router on
#   (a) LLMRouter data: a seeded random 80/20 split (the test part is never seen by
#       training or its hyper-parameter search) and leave-one-task-out, pooled;
#   (b) RouteLLM MMLU: a fixed split of subjects and 5-fold cross-validation over subjects.
#
# Environment: ROUTEIQ_BIN (default build/routeiq, a Release build is much faster),
# ROUTING_DATA (default bench/data/routing), WORK (scratch dir), ROUTERS (space
# separated; default: every router `routeiq train` knows), BOOTSTRAP (resamples, 1000),
# SEED (42), FOLDS (5), OUT (docs/routing-eval.md); REPORT_ONLY=1 rewrites the
# document from the results already in WORK.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ROUTEIQ_BIN:-$ROOT/build/routeiq}
DATA=${ROUTING_DATA:-$ROOT/bench/data/routing}
WORK=${WORK:-/tmp/routeiq-routing-eval}
BOOTSTRAP=${BOOTSTRAP:-1000}
SEED=${SEED:-42}
FOLDS=${FOLDS:-5}
OUT=${OUT:-$ROOT/docs/routing-eval.md}
PRICES=$DATA/llmrouter/llm_candidates.json

[[ -x $BIN ]] || { echo "no routeiq binary at $BIN (set ROUTEIQ_BIN)" >&2; exit 1; }
if [[ -z ${ROUTERS:-} ]]; then
  # `train` names the routers it knows when asked for an unknown one.
  ROUTERS=$({ "$BIN" train --router '?' --data /dev/null --out /dev/null 2>&1 || true; } |
    sed -n 's/.*(known: \(.*\)).*/\1/p' | head -1 | tr -d ',')
fi
[[ -n $ROUTERS ]] || { echo "could not list routers; set ROUTERS" >&2; exit 1; }
echo "routers: $ROUTERS" >&2

mkdir -p "$WORK"/{data,models,pred,json,reports}
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# --- data -------------------------------------------------------------------------
if [[ -z ${REPORT_ONLY:-} ]]; then
  "$BIN" import llmrouter --scores "$DATA/llmrouter/train.json" \
    --queries "$DATA/llmrouter/query_train.jsonl" --prices "$PRICES" \
    --out "$WORK/data/llmrouter.jsonl"
  "$BIN" import routellm --csv "$DATA/routellm/mmlu" --out "$WORK/data/mmlu.jsonl"
fi
# The RouteLLM CSVs carry no prices: Mixtral-8x7B as priced in LLMRouter's candidate
# list, GPT-4-1106-preview at its list price (USD 10 in / 30 out per million tokens).
cat > "$WORK/data/mmlu-prices.json" <<'JSON'
{"mistralai/Mixtral-8x7B-Instruct-v0.1": {"input_price": 0.6, "output_price": 0.6, "size": "47B"},
 "gpt-4-1106-preview": {"input_price": 10.0, "output_price": 30.0, "size": "?"}}
JSON

# split NAME DATA ARGS...: writes $WORK/data/NAME-{train,test}.jsonl
split() {
  local name=$1 data=$2
  shift 2
  "$BIN" split --data "$data" --train "$WORK/data/$name-train.jsonl" \
    --test "$WORK/data/$name-test.jsonl" "$@" 2>/dev/null
}

# run ROUTER SPLIT PRICES BOOTSTRAP: train on SPLIT-train, evaluate on SPLIT-test.
run() {
  local router=$1 name=$2 prices=$3 boot=$4
  local model="$WORK/models/$name-$router"
  if ! "$BIN" train --router "$router" --data "$WORK/data/$name-train.jsonl" --prices "$prices" \
    --seed "$SEED" --out "$model" > "$WORK/json/$name-$router.train.json" 2> "$WORK/json/$name-$router.train.err"; then
    log "train $router on $name FAILED: $(tail -1 "$WORK/json/$name-$router.train.err")"
    return 0
  fi
  "$BIN" eval --model "$model" --data "$WORK/data/$name-test.jsonl" --prices "$prices" \
    --bootstrap "$boot" --seed "$SEED" --save-predictions "$WORK/pred/$name-$router.jsonl" \
    --report "$WORK/reports/$name-$router.md" --json > "$WORK/json/$name-$router.json" ||
    log "eval $router on $name FAILED"
}

# pool NAME ROUTER PRICES FILES...: one evaluation over the pooled held-out predictions.
pool() {
  local name=$1 router=$2 prices=$3
  shift 3
  [[ $# -gt 0 ]] || return 0
  "$BIN" eval --predictions "$@" --prices "$prices" --bootstrap "$BOOTSTRAP" --seed "$SEED" \
    --report "$WORK/reports/$name-$router.md" --json > "$WORK/json/$name-$router.json"
}

# --- the runs, most important first --------------------------------------------------
MMLU_PRICES=$WORK/data/mmlu-prices.json

llmrouter_random() {
  log "LLMRouter random 80/20 split"
  split lr-random "$WORK/data/llmrouter.jsonl" --test-fraction 0.2 --seed "$SEED"
  for r in $ROUTERS; do run "$r" lr-random "$PRICES" "$BOOTSTRAP"; done
}

# Fold f of the seeded subject folds; fold 0 doubles as the fixed subject split, with
# confidence intervals.
mmlu_fold() {
  local f=$1 boot=0
  [[ $f == 0 ]] && boot=$BOOTSTRAP
  log "MMLU subject fold $f of $FOLDS"
  split "mmlu-fold$f" "$WORK/data/mmlu.jsonl" --folds "$FOLDS" --fold "$f" --seed "$SEED"
  for r in $ROUTERS; do run "$r" "mmlu-fold$f" "$MMLU_PRICES" "$boot"; done
}

llmrouter_loto() {
  local tasks
  tasks=$("$BIN" split --data "$WORK/data/llmrouter.jsonl" --list-tasks | cut -f1)
  for t in $tasks; do
    log "LLMRouter leave-one-task-out: $t"
    split "lr-loto-$t" "$WORK/data/llmrouter.jsonl" --holdout-tasks "$t"
    for r in $ROUTERS; do run "$r" "lr-loto-$t" "$PRICES" 0; done
  done
  for r in $ROUTERS; do
    pool lr-loto "$r" "$PRICES" $(ls "$WORK"/pred/lr-loto-*-"$r".jsonl 2>/dev/null)
  done
}

mmlu_kfold() {
  for f in $(seq 1 $((FOLDS - 1))); do mmlu_fold "$f"; done
  for r in $ROUTERS; do
    pool mmlu-kfold "$r" "$MMLU_PRICES" $(ls "$WORK"/pred/mmlu-fold*-"$r".jsonl 2>/dev/null)
  done
}

if [[ -z ${REPORT_ONLY:-} ]]; then
  llmrouter_random
  mmlu_fold 0
  llmrouter_loto
  mmlu_kfold
fi

# --- the document ---------------------------------------------------------------------
log "writing $OUT"
python3 - "$WORK" "$OUT" "$SEED" "$FOLDS" "$BOOTSTRAP" "$ROUTERS" <<'PY'
import json, os, sys, glob, statistics
work, out, seed, folds, boot, routers = sys.argv[1:7]
routers = routers.split()

def load(name):
    path = os.path.join(work, "json", name + ".json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def f3(x, digits=3):
    if x is None:
        return "n/a"
    if abs(x) < 0.5 * 10 ** -digits:
        x = 0.0  # no "-0.000"
    return f"{x:.{digits}f}"

def missing(prefix, r):
    err = os.path.join(work, "json", f"{prefix}-{r}.train.err")
    return "failed (see log)" if os.path.exists(err) and os.path.getsize(err) else "not run"

def ci(r, key, digits=3):
    v = r.get(key)
    if v is None:
        return "not reached" if key == "cost_ratio_at_best_single_quality" else "n/a"
    c = r.get("ci", {}).get(key)
    if not c or c[0] is None:
        return f3(v, digits)
    hi = "inf" if c[1] is None else f3(c[1], digits)
    return f"{f3(v, digits)} [{f3(c[0], digits)}, {hi}]"

def subject_split(name):
    tasks = sorted({json.loads(l)["task"] for l in open(os.path.join(work, "data", name + "-test.jsonl"))})
    return ", ".join(tasks)

lines = []
w = lines.append
w("# Learned routing: evaluation report\n")
import subprocess
commit = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(out)), "rev-parse", "--short",
                         "HEAD"], capture_output=True, text=True).stdout.strip() or "unknown"
w("Generated by `bench/routing-eval.sh` (seed %s, %s bootstrap resamples, %s subject folds; "
  "source at commit %s). Do not edit by hand: rerun the script.\n" % (seed, boot, folds, commit))
w("All numbers are on queries the router never saw in training or in its hyper-parameter "
  "search. Metric definitions: [routing.md](routing.md#evaluation-metrics). Brackets are 95% "
  "percentile-bootstrap intervals over queries.\n")

def llm_verdict(d):
    best = d["best_single"]
    ratio = d.get("cost_ratio_at_best_single_quality")
    ok_cost = ratio is not None and ratio <= 0.30
    ok_beat = d["max_mean_score"] - best["mean_score"] >= 0.02
    if ok_cost and ok_beat:
        return "met", True
    misses = [x for x, ok in [("cost ratio > 0.30", ok_cost), ("gain < 0.02", ok_beat)] if not ok]
    return "missed (" + ", ".join(misses) + ")", False

def summary():
    w("\n## Summary\n")
    for prefix, label in [("lr-random", "LLMRouter random split"),
                          ("lr-loto", "LLMRouter leave-one-task-out (pooled)")]:
        met = [r for r in routers if load(f"{prefix}-{r}") and llm_verdict(load(f"{prefix}-{r}"))[1]]
        w(f"- {label}: target (best single's score at <= 30% of its price, and >= +0.02 "
          f"without cost limit) met by {', '.join(met) if met else 'no router'}.")
    for prefix, label in [("mmlu-fold0", "MMLU fixed subject split"),
                          ("mmlu-kfold", "MMLU subject k-fold (pooled)")]:
        ds = {r: load(f"{prefix}-{r}") for r in routers}
        met = [r for r, d in ds.items() if d and d.get("apgr") is not None and d["apgr"] >= 0.62]
        best = max((r for r in ds if ds[r] and ds[r].get("apgr") is not None),
                   key=lambda r: ds[r]["apgr"], default=None)
        best_text = f"; highest APGR {ds[best]['apgr']:.3f} ({best})" if best else ""
        w(f"- {label}: APGR >= 0.62 met by {', '.join(met) if met else 'no router'}{best_text}.")

def plot(prefix, metric, title):
    ds = {r: load(f"{prefix}-{r}") for r in routers}
    ds = {r: d for r, d in ds.items() if d and d.get(metric) is not None}
    if not ds:
        return
    best = max(ds, key=lambda r: ds[r][metric])
    os.makedirs(os.path.join(os.path.dirname(out), "routing-eval"), exist_ok=True)
    for suffix in [".svg", "-pgr.svg"]:
        src = os.path.join(work, "reports", f"{prefix}-{best}{suffix}")
        if os.path.exists(src):
            name = f"routing-eval/{prefix}-{best}{suffix}"
            with open(src) as fi, open(os.path.join(os.path.dirname(out), name), "w") as fo:
                fo.write(fi.read())
            caption = title if suffix == ".svg" else "Its PGR curve"
            w(f"\n{caption} ({best}):\n\n![{prefix} {best}]({name})\n")

def llm_table(prefix, title, note):
    w(f"\n## {title}\n\n{note}\n")
    w("| router | n | score @ w=0 | best single | oracle | gap closed | max score | "
      "cost ratio @ best-single quality | AUC (oracle / random mix) | target |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in routers:
        d = load(f"{prefix}-{r}")
        if not d:
            w(f"| {r} | - | {missing(prefix, r)} | | | | | | | |")
            continue
        best = d["best_single"]
        verdict = llm_verdict(d)[0]
        name = r if len(d["models"]) == 9 else f"{r} (only {', '.join(m['model'] for m in d['models'])})"
        w(f"| {name} | {d['n']} | {ci(d, 'score_at_zero')} | {f3(best['mean_score'])} ({best['model']}) | "
          f"{f3(d['oracle']['mean_score'])} | {ci(d, 'gap_closed')} | {ci(d, 'max_mean_score')} | "
          f"{ci(d, 'cost_ratio_at_best_single_quality')} | {ci(d, 'auc')} ({f3(d['oracle']['auc'])} / "
          f"{f3(d['random']['mix_auc'])}) | {verdict} |")

summary()
llm_table("lr-random", "LLMRouter: random 80/20 split",
          "5,608 queries, 9 models, prices from `llm_candidates.json` (blended USD per million "
          "tokens). Test set: 20% of the queries drawn with the seed above. Target: match the "
          "best single model's mean score at <= 30% of its price, and beat it by >= 0.02 at "
          "some cost weight (no cost limit).")
plot("lr-random", "auc", "Quality against cost of the router with the highest AUC on the random split")
llm_table("lr-loto", "LLMRouter: leave-one-task-out (pooled)",
          "For each of the 14 tasks, the router is trained on the other 13 and predicts the "
          "held-out task; the predictions of all 14 folds are pooled and evaluated together "
          "(every query is predicted by a router that never saw its task). The best single "
          "model is the one best on the pooled data.")

# Per-task view of leave-one-task-out: router at w=0 vs the best single model on that task.
per_task = {}
for r in routers:
    for p in glob.glob(os.path.join(work, "json", f"lr-loto-*-{r}.json")):
        task = os.path.basename(p)[len("lr-loto-"):-len(f"-{r}.json")]
        d = load(os.path.basename(p)[:-5])
        if d:
            per_task.setdefault(task, {})[r] = d
if per_task:
    w("\n### Leave-one-task-out, per held-out task (score at cost weight 0; "
      "best single = best model on that task in hindsight)\n")
    w("| task | n | best single | " + " | ".join(routers) + " |")
    w("|---|---:|---:|" + "---:|" * len(routers))
    avg = {r: [] for r in routers}
    for task in sorted(per_task):
        row = per_task[task]
        any_d = next(iter(row.values()))
        w(f"| {task} | {any_d['n']} | {f3(any_d['best_single']['mean_score'])} | " +
          " | ".join(f3(row[r]['score_at_zero']) if r in row else "-" for r in routers) + " |")
        for r in routers:
            if r in row:
                avg[r].append(row[r]["score_at_zero"] - row[r]["best_single"]["mean_score"])
    w("| mean (router - best single) over tasks | | | " +
      " | ".join(f"{statistics.mean(avg[r]):+.3f}" if avg[r] else "-" for r in routers) + " |")

def mmlu_table(prefix, title, note):
    w(f"\n## {title}\n\n{note}\n")
    w("| router | n | APGR | APGR (10 bins) | CPT(50%) | CPT(80%) | score @ w=0 | "
      "weak / strong | target APGR >= 0.62 |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in routers:
        d = load(f"{prefix}-{r}")
        if not d:
            w(f"| {r} | - | {missing(prefix, r)} | | | | | | |")
            continue
        verdict = "met" if d.get("apgr") is not None and d["apgr"] >= 0.62 else "missed"
        w(f"| {r} | {d['n']} | {ci(d, 'apgr')} | {ci(d, 'apgr_10bin')} | {ci(d, 'cpt50')} | "
          f"{ci(d, 'cpt80')} | {f3(d['score_at_zero'])} | {f3(d['weak']['mean_score'])} / "
          f"{f3(d['strong']['mean_score'])} | {verdict} |")

if os.path.exists(os.path.join(work, "data", "mmlu-fold0-test.jsonl")):
    mmlu_table("mmlu-fold0", "RouteLLM MMLU: fixed subject split",
               "10,892 prompts over 40 subjects, weak = Mixtral-8x7B, strong = GPT-4-1106. The "
               "held-out subjects (fold 0 of the seeded subject folds): " +
               subject_split("mmlu-fold0") + ". CPT is the share of calls sent to GPT-4.")
    plot("mmlu-fold0", "apgr", "Quality against cost of the router with the highest APGR on the fixed subject split")
mmlu_table("mmlu-kfold", f"RouteLLM MMLU: {folds}-fold cross-validation over subjects (pooled)",
           "Each subject is held out exactly once; the held-out predictions are pooled.")

w("\n## Reproduce\n")
w("```sh\ncmake --preset release && cmake --build --preset release --target routeiq\n"
  "bash bench/routing-eval.sh            # ROUTERS=\"knn mlp\" BOOTSTRAP=200 for a quick run\n```\n")
w("Single steps, e.g. the random split for one router:\n")
w("```sh\nDATA=bench/data/routing\n"
  "routeiq import llmrouter --scores $DATA/llmrouter/train.json \\\n"
  "  --queries $DATA/llmrouter/query_train.jsonl --out llmrouter.jsonl\n"
  f"routeiq split --data llmrouter.jsonl --test-fraction 0.2 --seed {seed} --train train.jsonl --test test.jsonl\n"
  f"routeiq train --router knn --data train.jsonl --prices $DATA/llmrouter/llm_candidates.json --seed {seed} --out knn\n"
  f"routeiq eval --model knn --data test.jsonl --prices $DATA/llmrouter/llm_candidates.json --report eval.md\n```\n")
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
PY
log "done: $OUT (per-run reports with plots in $WORK/reports)"
