/**
 * @file The DPO row of the benchmarks: tokens/s of `rmbench run POLICY --reference REF` on a small
 * synthetic causal LM (the test fixture's graph: embeddings, a causal running sum, a [hidden, vocab]
 * output projection; random weights at a real vocabulary size) against its FLOP bound. Every
 * response is two forward passes (policy and reference), both counted in the tokens; the bound is
 * dense FLOPs per token (scripts/flop-bound.ts, counted from the graph) x tokens computed / the
 * float32 MatMul rate measured in the same process. No score cache: every response is computed.
 * Usage: npx tsx scripts/bench-dpo.ts [--hidden 256 --vocab 32000 --suite rewardbench-v1 --limit 8]
 * (prints the Markdown row and JSON); bench.ts can add the row with benchDpo().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { run } from '../src/bench/run.js';
import { writeCausalLm } from '../test/helpers/causal-lm.js';
import { denseFlopsPerToken, matmulRate } from './flop-bound.js';

export interface DpoBenchOptions {
  hidden?: number;
  vocab?: number;
  suite?: string;
  /** Pairs per subset (the synthetic model's cost grows with hidden x vocab per token). */
  limit?: number;
  /** The MatMul rate in GFLOP/s when the caller measured it already. */
  rate?: number;
}

/** Runs the DPO benchmark; returns the Markdown row's cells and the figures. */
export async function benchDpo(options: DpoBenchOptions = {}) {
  const hidden = options.hidden ?? 256;
  const vocab = options.vocab ?? 32_000;
  const suite = options.suite ?? 'rewardbench-v1';
  const limit = options.limit ?? 8;
  const dir = mkdtempSync(join(tmpdir(), 'rmbench-bench-dpo-'));
  try {
    writeCausalLm(join(dir, 'policy'), { seed: 1, hidden, vocabSize: vocab, positionIds: true, scale: 0.1, externalData: true });
    writeCausalLm(join(dir, 'reference'), { seed: 2, hidden, vocabSize: vocab, positionIds: true, scale: 0.1, externalData: true });
    const { flops } = denseFlopsPerToken(join(dir, 'policy', 'onnx', 'model.onnx'));
    const rate = options.rate ?? (await matmulRate());
    const t0 = performance.now();
    const { results } = await run({ model: join(dir, 'policy'), suite, limit, scorer: { reference: join(dir, 'reference') }, onOutcomes: () => {} });
    const seconds = (performance.now() - t0) / 1000;
    const t = results.timing;
    // realTokens counts both passes (policy and reference) of every response.
    const boundS = (flops * t.real_tokens) / (rate * 1e9);
    const figures = {
      model: `synthetic causal LM, hidden ${hidden}, vocab ${vocab}`,
      suite,
      limit,
      pairs: Object.values(results.subsets).reduce((n, s) => n + s.n, 0),
      responses: t.responses,
      tokens_computed: t.real_tokens,
      wall_s: seconds,
      tokens_per_s: t.real_tokens / seconds,
      session_run_s: t.inference_s,
      tokenize_s: t.tokenize_s,
      padding_efficiency: t.padding_efficiency,
      dense_flops_per_token: flops,
      matmul_gflops: rate,
      lower_bound_s: boundS,
      distance_to_bound: seconds / boundS,
    };
    const f = (x: number, d = 1) => x.toFixed(d);
    const row = `| DPO: policy + reference (${figures.model}), ${figures.pairs} pairs | ${f(seconds)} | ${f(figures.pairs / seconds)} | ${f(figures.tokens_per_s, 0)} | ${f(t.tokenize_s)} | ${f(t.inference_s)} | bound ${f(boundS, 2)} s (${f(flops / 1e6, 1)} MFLOP/token x ${t.real_tokens} tokens at ${f(rate)} GFLOP/s): **${f(figures.distance_to_bound, 1)}x** | ${f(t.padding_efficiency, 3)} | – |`;
    return { row, figures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { hidden: { type: 'string' }, vocab: { type: 'string' }, suite: { type: 'string' }, limit: { type: 'string' } } });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const { row, figures } = await benchDpo({ hidden: num(values.hidden), vocab: num(values.vocab), suite: values.suite, limit: num(values.limit) });
  console.log(`${row}\n${JSON.stringify(figures, null, 2)}`);
}
