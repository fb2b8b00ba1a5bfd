/**
 * Are scores independent of batching, windows, threads and the order of rows? Runs one model on a
 * suite under several settings and compares every per-response score (matched by subset and id)
 * with the first setting's, bit for bit. The last setting runs a copy of the suite imported with
 * its rows, and so its subsets, in reverse order.
 * Usage: node_modules/.bin/tsx scripts/determinism.ts [--model models/use-lite-bt] [--suite rewardbench-v1] [--write docs/benchmarks.md]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { run, type RunOptions } from '../src/bench/run.js';
import type { ItemOutcome } from '../src/report/schema.js';
import { importData } from '../src/subsets/import.js';
import { loadSubsets } from '../src/subsets/load.js';
import { BUNDLED_MANIFEST, resolveSuite } from '../src/subsets/manifest.js';
import { writeSection } from './benchmarks-doc.js';

const { values: args } = parseArgs({ options: { model: { type: 'string', default: 'models/use-lite-bt' }, suite: { type: 'string', default: 'rewardbench-v1' }, write: { type: 'string' } } });

// The suite again, every row in reverse order (so the subsets come in reverse order too).
const reversedDir = mkdtempSync(join(tmpdir(), 'rmbench-reversed-'));
const suite = resolveSuite(BUNDLED_MANIFEST, args.suite!);
const jsonl = join(reversedDir, 'reversed.jsonl');
const rows = loadSubsets(suite).flatMap((s) => s.rows);
writeFileSync(jsonl, `${rows.reverse().map((r) => JSON.stringify(r)).join('\n')}\n`);
const sectionsFile = join(reversedDir, 'sections.json');
writeFileSync(
  sectionsFile,
  JSON.stringify({
    sections: Object.fromEntries(
      Object.entries(suite.sections).map(([name, { weight }]) => [name, { weight, subsets: Object.fromEntries(suite.subsets.filter((s) => s.section === name).map((s) => [s.name, s.weight])) }]),
    ),
    metrics: Object.fromEntries(suite.subsets.map((s) => [s.name, s.metric])),
    length_categories: Object.fromEntries(suite.subsets.flatMap((s) => (s.length_category ? [[s.name, s.length_category]] : []))),
  }),
);
const reversedManifest = join(reversedDir, 'datasets.manifest.json');
await importData({ file: jsonl, suite: args.suite!, manifestPath: reversedManifest, sectionsFile });

const settings: [string, Partial<RunOptions>][] = [
  ['token budget 4096, 2 threads', { scorer: { threads: 2 } }],
  ['token budget 512', { scorer: { tokenBudget: 512, threads: 2 } }],
  ['token budget 16384', { scorer: { tokenBudget: 16384, threads: 2 } }],
  ['fixed batches of 32 in dataset order', { scorer: { batchSize: 32, threads: 2 } }],
  ['windows of 500 items', { windowItems: 500, scorer: { threads: 2 } }],
  ['1 thread', { scorer: { threads: 1 } }],
  ['rows and subsets in reverse order', { manifest: reversedManifest, scorer: { threads: 2 } }],
];
const scoresOf = (pairs: ItemOutcome[]) =>
  new Map(pairs.map((p) => [`${p.subset}/${p.id}`, ('value' in p ? [...p.chosen_scores, ...p.rejected_scores] : [p.chosen_score, p.rejected_score]).map(Number)]));

let reference: { scores: Map<string, number[]>; subsets: string } | undefined;
const lines = [
  `${args.model} on ${args.suite}: every per-response score of each setting against the first setting's, matched by subset and id:`,
  '',
  '| setting | max abs score difference | scores bit-identical | subset accuracies identical |',
  '|---|---:|---|---|',
];
for (const [label, options] of settings) {
  const { results, pairs } = await run({ model: args.model!, suite: args.suite, ...options });
  const scores = scoresOf(pairs);
  const subsets = JSON.stringify(Object.entries(results.subsets).map(([name, s]) => [name, s.accuracy]).sort());
  reference ??= { scores, subsets };
  let max = 0;
  let identical = scores.size === reference.scores.size;
  for (const [key, values] of scores) {
    const expected = reference.scores.get(key);
    if (!expected) throw new Error(`${label}: ${key} is not in the reference run`);
    values.forEach((x, i) => {
      max = Math.max(max, Math.abs(x - expected[i]!));
      if (!Object.is(x, expected[i])) identical = false;
    });
  }
  lines.push(`| ${label} | ${max.toExponential(2)} | ${identical ? 'yes' : 'no'} | ${subsets === reference.subsets ? 'yes' : 'no'} |`);
  console.log(lines.at(-1));
}
if (args.write) writeSection(resolve(args.write), 'determinism', 'Determinism', `node_modules/.bin/tsx scripts/determinism.ts ${process.argv.slice(2).join(' ')}`.trim(), lines.join('\n'));
rmSync(reversedDir, { recursive: true, force: true });
