#!/usr/bin/env bash
# Rebuilds the shipped rewardbench-v1 suite (datasets/rewardbench-v1/*.arrow + its manifest entry)
# from the upstream parquet. A test checks the result is byte-identical to what is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
PARQUET=${1:-../shared/data/reward-bench-v1/sustech-nlp_BiasScope/data/rewardbench/rewardbench_filtered.parquet}
node dist/cli.js data import "$PARQUET" \
  --suite rewardbench-v1 --manifest "${MANIFEST:-datasets.manifest.json}" \
  --map prompt=question,chosen=response_A,rejected=response_B \
  --sections datasets/sections/rewardbench-v1.json --suite-version 1.0.0 \
  --description "RewardBench v1, filtered split: 2,985 prompt/chosen/rejected pairs in 23 subsets (Lambert et al. 2024)" \
  --source "allenai/reward-bench (HF dataset, split filtered); copy from github.com/sustech-nlp/BiasScope@11b88039 data/rewardbench/rewardbench_filtered.parquet (sha256 286a4471...)" \
  --license "ODC-BY (completions carry their source models' terms)"
