/**
 * Are scores independent of batching, order, windows and threads? Runs one model on a suite under
 * several settings and compares every per-response score with the first setting's, bit for bit.
 * Usage: node_modules/.bin/tsx scripts/determinism.ts [--model models/use-lite-bt] [--suite rewardbench-v1]
 */
import { parseArgs } from 'node:util';
import { run, type RunOptions } from '../src/bench/run.js';
import type { ItemOutcome } from '../src/report/schema.js';

const { values: args } = parseArgs({ options: { model: { type: 'string', default: 'models/use-lite-bt' }, suite: { type: 'string', default: 'rewardbench-v1' } } });
const settings: [string, Partial<RunOptions>][] = [
  ['token budget 4096, 2 threads', { threads: 2 }],
  ['token budget 512', { tokenBudget: 512, threads: 2 }],
  ['token budget 16384', { tokenBudget: 16384, threads: 2 }],
  ['fixed batches of 32 in dataset order', { batchPolicy: { kind: 'fixed', size: 32 }, threads: 2 }],
  ['windows of 500 items', { windowItems: 500, threads: 2 }],
  ['1 thread', { threads: 1 }],
];
const scoresOf = (pairs: ItemOutcome[]) => pairs.flatMap((p) => ('value' in p ? [...p.chosen_scores, ...p.rejected_scores] : [p.chosen_score, p.rejected_score])).map(Number);

let reference: { scores: number[]; subsets: string } | undefined;
console.log('| setting | max abs score difference | scores bit-identical | subset accuracies identical |');
console.log('|---|---:|---|---|');
for (const [label, options] of settings) {
  const { results, pairs } = await run({ model: args.model!, suite: args.suite, ...options });
  const scores = scoresOf(pairs);
  const subsets = JSON.stringify(Object.values(results.subsets).map((s) => s.accuracy));
  reference ??= { scores, subsets };
  let max = 0;
  let identical = true;
  scores.forEach((x, i) => {
    const d = Math.abs(x - reference!.scores[i]!);
    max = Math.max(max, d);
    if (!Object.is(x, reference!.scores[i])) identical = false;
  });
  console.log(`| ${label} | ${max.toExponential(2)} | ${identical ? 'yes' : 'no'} | ${subsets === reference.subsets ? 'yes' : 'no'} |`);
}
