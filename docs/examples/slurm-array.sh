#!/bin/bash
# rmbench shards as a Slurm job array: task K scores shard K of N. Each task gets its own GPU
# and starts its own engine on it (vLLM here; or `rmbench serve DIR --device cuda`), on a port of
# its own, since several tasks may share a node. Submit, then merge once every task succeeded:
#
#   jobid=$(sbatch --parsable docs/examples/slurm-array.sh)
#   sbatch --dependency=afterok:$jobid docs/examples/slurm-merge.sh
#
# To point every task at one shared engine instead, drop the engine start/stop and the GPU request
# and set MODEL_URL=vllm+http://rm-host:8000/skywork-rm.
#SBATCH --job-name=rmbench-shard
#SBATCH --array=1-8              # K = 1..N; keep N equal to SHARDS below
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=4
#SBATCH --mem=32G
#SBATCH --time=04:00:00
#SBATCH --output=logs/rmbench-%A-%a.out
set -euo pipefail

SHARDS=8
K=${SLURM_ARRAY_TASK_ID}
WEIGHTS=/shared/models/skywork-rm            # HF folder for vLLM; also the --tokenizer folder
PORT=$((20000 + K))                          # one port per task on a shared node
MODEL_URL=vllm+http://127.0.0.1:${PORT}/skywork-rm
export RMBENCH_CACHE_DIR=/shared/rmbench-cache   # shared: each process writes its own files
mkdir -p results/shards logs

vllm serve "$WEIGHTS" --served-model-name skywork-rm --host 127.0.0.1 --port "$PORT" &
ENGINE=$!
trap 'kill $ENGINE 2>/dev/null; wait $ENGINE 2>/dev/null || true' EXIT

# Wait (at most 15 minutes) until the engine answers.
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:${PORT}/v1/models" >/dev/null && break
  kill -0 $ENGINE 2>/dev/null || { echo "engine exited" >&2; exit 1; }
  sleep 5
done

npx rmbench run "$MODEL_URL" --tokenizer "$WEIGHTS" --shard "${K}/${SHARDS}" \
  --concurrency 16 --retries 6 --no-progress \
  --out "results/shards/rm.shard-${K}-of-${SHARDS}.json"
