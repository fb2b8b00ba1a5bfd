/**
 * @file `npm run bench [-- --model DIR --suite NAME --repeats N --skip-naive --write docs/benchmarks.md]`: throughput of a full run,
 * where its time goes, and the distance to the machine's physical limit.
 *
 * - rmbench itself (token-budget batches, length-sorted, each text once), median of N repeats:
 *   pairs/s, tokens/s, time tokenising / in session.run / elsewhere (harness overhead), padding
 *   efficiency (real / computed tokens), peak RSS. No score cache: every response is computed.
 * - Beside each run's tokenising time, the bare-encode reference (scripts/tokenize-reference.ts:
 *   tokenizer.encode over the same texts in a fresh process) measured just before that run, and
 *   their ratio: what rmbench adds around the tokenizer, on the machine as fast as it was then.
 * - The same model run naively for comparison: one text at a time, and fixed batches of 32 in
 *   dataset order (reward-bench's style).
 * - The machine's float32 MatMul rate through onnxruntime-node (a 2048^3 MatMul graph), the model's
 *   dense FLOPs per token counted from its ONNX graph (MatMul/Gemm against weight initializers;
 *   attention score products are excluded and stated), and the lower bound = FLOPs / rate.
 * Every measured run is a fresh process (as a user's `rmbench run` is), so no JIT, heap or ONNX
 * Runtime arena state leaks from one run into the next.
 * Writes results/bench-<model>.json and prints a Markdown table; `--write FILE` also puts it in that
 * file's "Speed" section (scripts/benchmarks-doc.ts).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RunOptions } from '../src/bench/run.js';
import type { Results } from '../src/report/schema.js';
import { readModelFolder } from '../src/scorers/model-folder.js';
import { writeSection } from './benchmarks-doc.js';
import { denseFlopsPerToken, matmulRate } from './flop-bound.js';
import { distModule, runFresh } from './fresh-process.js';
import { bareEncodeReference } from './tokenize-reference.js';
import { benchDpo } from './bench-dpo.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/use-lite-bt' },
    suite: { type: 'string', default: 'rewardbench-v1' },
    repeats: { type: 'string', default: '3' },
    'skip-naive': { type: 'boolean', default: false },
    out: { type: 'string' },
    write: { type: 'string' },
  },
});
const repeats = Number(args.repeats);
const model = resolve(args.model!);

interface Measured {
  label: string;
  total_s: number;
  pairs_per_s: number;
  tokens_per_s: number;
  tokenize_s: number;
  /** The bare-encode reference measured just before this run (scripts/tokenize-reference.ts). */
  bare_encode_s: number;
  tokenize_over_bare: number;
  inference_s: number;
  other_s: number;
  overhead_share: number;
  padding_efficiency: number;
  real_tokens: number;
  padded_tokens: number;
  overall: number;
  peak_rss_mb: number;
}

type RunTiming = Results['timing'] & { overall: number; peak_rss_mb: number };

/**
 * One run in a fresh plain-node process on the compiled package (dist/, built by `prebench`), as a
 * user's `rmbench run` is (scripts/fresh-process.ts).
 */
function runInFreshProcess(options: Partial<RunOptions>): RunTiming {
  const code = `
    const { run } = await import(${JSON.stringify(distModule('bench/run.js'))});
    const { results } = await run({ ...JSON.parse(process.argv[1]), onOutcomes: () => {} });
    process.stdout.write(JSON.stringify({ ...results.timing, overall: results.overall, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));`;
  return runFresh<RunTiming>('bench child run', code, { model, suite: args.suite, ...options });
}

async function measure(label: string, options: Partial<RunOptions>): Promise<Measured> {
  const samples: Measured[] = [];
  for (let r = 0; r < repeats; r++) {
    // The reference just before its run: the machine's speed drifts, so only the pair compares.
    const bare = bareEncodeReference(model, args.suite!);
    const t = runInFreshProcess(options);
    const other = t.total_s - t.tokenize_s - t.inference_s;
    samples.push({
      label,
      total_s: t.total_s,
      pairs_per_s: t.pairs_per_s,
      tokens_per_s: t.tokens_per_s,
      tokenize_s: t.tokenize_s,
      bare_encode_s: bare.median_s,
      tokenize_over_bare: t.tokenize_s / bare.median_s,
      inference_s: t.inference_s,
      other_s: other,
      overhead_share: other / t.total_s,
      padding_efficiency: t.padding_efficiency,
      real_tokens: t.real_tokens,
      padded_tokens: t.padded_tokens,
      overall: t.overall,
      peak_rss_mb: t.peak_rss_mb,
    });
    process.stderr.write(`${label}: run ${r + 1}/${repeats}: ${t.total_s.toFixed(1)} s, tokenising ${t.tokenize_s.toFixed(1)} s, bare encode ${bare.median_s.toFixed(1)} s\n`);
  }
  // The median run by wall time, whole (its parts belong together).
  return samples.sort((a, b) => a.total_s - b.total_s)[Math.floor(samples.length / 2)]!;
}

const folder = readModelFolder(model);
const { flops, matmuls } = denseFlopsPerToken(folder.onnxPath);
const rate = await matmulRate();
const rows: Measured[] = [await measure('rmbench (token budget 4096, length-sorted)', {})];
if (!args['skip-naive']) {
  rows.push(await measure('naive: fixed batches of 32 in dataset order', { scorer: { batchSize: 32 } }));
  rows.push(await measure('naive: one text at a time', { scorer: { batchSize: 1 } }));
}
// The DPO row, against the MatMul rate measured above.
const dpo = await benchDpo({ rate, suite: args.suite });
const best = rows[0]!;
const boundS = (flops * best.real_tokens) / (rate * 1e9);
const report = {
  model: folder.name,
  suite: args.suite,
  dpo: dpo.figures,
  repeats,
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  matmul_gflops: rate,
  dense_flops_per_token: flops,
  dense_matmuls: matmuls,
  lower_bound_s: boundS,
  distance_to_bound: best.total_s / boundS,
  peak_rss_mb: best.peak_rss_mb,
  runs: rows,
};
const out = args.out ?? join('results', `bench-${folder.name}.json`);
mkdirSync('results', { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

const f = (x: number, d = 1) => x.toFixed(d);
const lines = [
  `${folder.name} on ${args.suite}, median of ${repeats} runs, each a fresh process, no score cache:`,
  '',
  '| mode | wall s | pairs/s | tokens/s | tokenise s | bare encode s | tokenise / bare | session.run s | other s (share) | padding eff. | peak RSS MB |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${f(r.total_s)} | ${f(r.pairs_per_s)} | ${f(r.tokens_per_s, 0)} | ${f(r.tokenize_s)} | ${f(r.bare_encode_s)} | ${f(r.tokenize_over_bare, 2)}x | ${f(r.inference_s)} | ${f(r.other_s, 2)} (${f(100 * r.overhead_share)}%) | ${f(r.padding_efficiency, 3)} | ${f(r.peak_rss_mb, 0)} |`,
  ),
  '',
  'bare encode: tokenizer.encode over the same texts, whole, in a fresh process, median of 3 passes, measured just before each run (scripts/tokenize-reference.ts).',
  '',
  'DPO implicit rewards (scripts/bench-dpo.ts): a synthetic causal LM as policy and reference, two forward passes per response, log-probs gathered inside the graph:',
  '',
  '| mode | wall s | pairs/s | tokens/s | tokenise s | session.run s | distance to the FLOP bound | padding eff. | peak RSS MB |',
  '|---|---:|---:|---:|---:|---:|---|---:|---:|',
  dpo.row,
  '',
  `MatMul rate ${f(rate)} GFLOP/s (a 2048³ float32 MatMul through onnxruntime-node, measured in the same run); dense FLOPs/token ${f(flops / 1e6, 2)} M` +
    ` (${matmuls} weight MatMuls; attention score products not counted); ${best.real_tokens} real tokens -> lower bound ${f(boundS)} s;` +
    ` measured ${f(best.total_s)} s = **${f(report.distance_to_bound, 2)}x the bound**. Peak RSS ${f(report.peak_rss_mb, 0)} MB.`,
];
console.log(`\n${lines.join('\n')}\nWritten to ${out}.`);
if (args.write) {
  writeSection(resolve(args.write), 'speed', 'Speed', `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`, lines.join('\n'));
  console.log(`Speed section written to ${args.write}.`);
}
