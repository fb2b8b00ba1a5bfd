/**
 * @file Peak memory of DPO log-prob scoring at a real vocabulary size: one 2,048-token sequence
 * through a synthetic causal LM (the test fixture's graph, hidden size 16, random weights in
 * external data) with a 32k and a 128k vocabulary. Each measurement runs in its own process and
 * reads the kernel's peak RSS (VmHWM). "logprobs" is rmbench's extended graph ([1, 2048] floats come
 * back); "logits" is the plain graph handing [1, 2048, vocab] to JavaScript, for comparison.
 * Usage: npx tsx scripts/dpo-memory.ts   (prints JSON)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { openLogprobSession } from '../src/onnx/logprob-graph.js';
import { responseLogprobs } from '../src/dpo/logprobs.js';
import { causalLmGraph, causalLmWeights } from '../test/helpers/causal-lm.js';

const VOCABS = [32_000, 128_256];
const TOKENS = 2048;
const MODES = ['logprobs', 'logits'] as const;

/** Peak and current resident set size of this process, in MiB (Linux). */
function rssMiB(): { peak: number; now: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const field = (name: string) => Number(/(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(name)) ?? '')?.[1] ?? NaN) / 1024;
  return { peak: field('VmHWM'), now: field('VmRSS') };
}

async function measure(vocab: number, mode: (typeof MODES)[number]) {
  const dir = mkdtempSync(join(tmpdir(), 'rmbench-dpo-memory-'));
  try {
    const weights = causalLmWeights(vocab, { seed: 7, hidden: 16, scale: 0.5 });
    const path = join(dir, 'model.onnx');
    causalLmGraph(weights).save(path, { externalDataFile: 'model.onnx_data', externalDataThreshold: 1024 });
    const ids = Array.from({ length: TOKENS }, (_, t) => (t * 7919) % vocab);
    const before = rssMiB();
    const t0 = performance.now();
    if (mode === 'logprobs') {
      const { session, info } = await openLogprobSession(path);
      const loaded = rssMiB();
      const [lp] = await responseLogprobs(session, info, vocab, [{ ids, responseStart: TOKENS / 2, promptTruncated: false, responseTruncated: false }], { paddingSide: 'right', padTokenId: 0 });
      return { vocab, tokens: TOKENS, mode, baselineMiB: before.now, afterLoadMiB: loaded.now, peakMiB: rssMiB().peak, seconds: (performance.now() - t0) / 1000, responseLogprob: lp!.sum };
    }
    const session = await ort.InferenceSession.create(path);
    const loaded = rssMiB();
    const data = BigInt64Array.from(ids, BigInt);
    const out = await session.run({ input_ids: new ort.Tensor('int64', data, [1, TOKENS]), attention_mask: new ort.Tensor('int64', new BigInt64Array(TOKENS).fill(1n), [1, TOKENS]) });
    return { vocab, tokens: TOKENS, mode, baselineMiB: before.now, afterLoadMiB: loaded.now, peakMiB: rssMiB().peak, seconds: (performance.now() - t0) / 1000, logitsMiB: (out.logits!.data as Float32Array).byteLength / 2 ** 20 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [, , child, vocabArg, modeArg] = process.argv;
if (child === '--child') {
  console.log(JSON.stringify(await measure(Number(vocabArg), modeArg as (typeof MODES)[number])));
} else {
  const script = fileURLToPath(import.meta.url);
  const results = [];
  for (const vocab of VOCABS) {
    for (const mode of MODES) {
      const run = spawnSync(process.execPath, [...process.execArgv, script, '--child', String(vocab), mode], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`measuring vocab ${vocab} (${mode}) failed: ${run.stderr}`);
      results.push(JSON.parse(run.stdout.trim().split('\n').at(-1)!));
    }
  }
  console.log(JSON.stringify({ logitsBytesPerToken: 'vocab x 4', results }, null, 2));
}
