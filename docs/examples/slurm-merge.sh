#!/bin/bash
# Runs after every task of slurm-array.sh succeeded (sbatch --dependency=afterok:<array job id>).
#SBATCH --job-name=rmbench-merge
#SBATCH --cpus-per-task=1
#SBATCH --time=00:20:00
#SBATCH --output=logs/rmbench-merge-%j.out
set -euo pipefail
npx rmbench merge results/shards/rm.shard-*-of-8.json --out results/rm.rewardbench-v1.json
