#!/usr/bin/env bash
# Verifies the GPU path on a GPU host and measures it against the CPU on the same model:
#   scripts/gpu-check.sh [MODEL_DIR] [SUITE]
# Runs the model on CPU, then with --device cuda and --device webgpu (each falls back to CPU with a
# warning when its provider cannot load: CUDA needs onnxruntime-node installed with
# --onnxruntime-node-install=cuda12 and CUDA 12 + cuDNN 9; WebGPU needs a Vulkan loader and driver),
# and prints wall time, pairs/s, the device actually used, and whether every subset accuracy
# matches the CPU run (GPU kernels reduce in other orders: scores may differ in the last bits).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-models/use-lite-bt}
SUITE=${2:-rewardbench-v1}
OUT=$(mktemp -d)
for device in cpu cuda webgpu; do
  node dist/cli.js run "$MODEL" --suite "$SUITE" --device "$device" --no-cache --no-progress --out "$OUT/$device.json" > "$OUT/$device.log" 2>&1 || { echo "$device: run failed"; tail -3 "$OUT/$device.log"; continue; }
  grep -h "warning" "$OUT/$device.log" || true
done
node --input-type=module - "$OUT" <<'JS'
import { readFileSync, existsSync } from 'node:fs';
const dir = process.argv[2];
const load = (d) => (existsSync(`${dir}/${d}.json`) ? JSON.parse(readFileSync(`${dir}/${d}.json`, 'utf8')) : null);
const cpu = load('cpu');
console.log('| requested | used | wall s | pairs/s | session.run s | accuracies equal to CPU |');
console.log('|---|---|---:|---:|---:|---|');
for (const d of ['cpu', 'cuda', 'webgpu']) {
  const r = load(d);
  if (!r) continue;
  const same = cpu && JSON.stringify(Object.values(r.subsets).map((s) => s.accuracy)) === JSON.stringify(Object.values(cpu.subsets).map((s) => s.accuracy));
  console.log(`| ${d} | ${r.config.device} | ${r.timing.total_s.toFixed(1)} | ${r.timing.pairs_per_s.toFixed(1)} | ${r.timing.inference_s.toFixed(1)} | ${same ? 'yes' : 'no'} |`);
}
JS
