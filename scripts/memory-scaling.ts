/**
 * Peak memory of a run versus suite size: builds 1x, 10x and 100x copies of rewardbench-v1 (the real
 * texts repeated with new ids, same subsets and weights) in a temporary folder, runs
 * `rmbench run length` on each in a fresh process, and prints the peak RSS of each run, so the
 * harness is measured, not a model.
 * Usage: node_modules/.bin/tsx scripts/memory-scaling.ts [--factors 1,10,100] [--write docs/benchmarks.md]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importData } from '../src/subsets/import.js';
import { loadSubsets } from '../src/subsets/load.js';
import { BUNDLED_MANIFEST, resolveSuite } from '../src/subsets/manifest.js';
import { writeSection } from './benchmarks-doc.js';

const { values: args } = parseArgs({ options: { factors: { type: 'string', default: '1,10,100' }, write: { type: 'string' } } });
const factors = args.factors!.split(',').map(Number);
const CLI = resolve('dist/cli.js');
const suite = resolveSuite(BUNDLED_MANIFEST, 'rewardbench-v1');
const subsets = loadSubsets(suite);
const sectionsFile = resolve('datasets/sections/rewardbench-v1.json');

const rows: { factor: number; pairs: number; arrowMB: number; peakMB: number; seconds: number }[] = [];
for (const factor of factors) {
  const dir = mkdtempSync(join(tmpdir(), `rmbench-x${factor}-`));
  const jsonl = join(dir, 'suite.jsonl');
  const lines: string[] = [];
  for (let copy = 0; copy < factor; copy++) {
    for (const { rows: subsetRows } of subsets) {
      for (const r of subsetRows) lines.push(JSON.stringify({ ...r, id: `${r.id}-${copy}` }));
    }
  }
  writeFileSync(jsonl, `${lines.join('\n')}\n`);
  lines.length = 0;
  const imported = await importData({ file: jsonl, suite: 'rb1-scaled', manifestPath: join(dir, 'datasets.manifest.json'), sectionsFile });
  rmSync(jsonl);
  const pairs = imported.subsets.reduce((n, s) => n + s.rows, 0);
  const arrowMB = Number(spawnSync('du', ['-sm', join(dir, 'datasets')], { encoding: 'utf8' }).stdout.split('\t')[0]);
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, 'run', 'length', '--suite', 'rb1-scaled', '--no-progress', '--out', join(dir, 'r.json')], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`run failed at ${factor}x: ${r.stderr}`);
  const peakKB = Number(r.stderr.trim().split('\n').pop());
  rows.push({ factor, pairs, arrowMB, peakMB: peakKB / 1024, seconds: (performance.now() - t0) / 1000 });
  rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`${factor}x done\n`);
}
const lines = [
  '`rmbench run length` (the harness, not a model) on rewardbench-v1 repeated with new ids, each run a fresh process, peak RSS from /usr/bin/time:',
  '',
  '| suite | pairs | Arrow MB | peak RSS MB | vs 1x | wall s |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.factor}x rewardbench-v1 | ${r.pairs} | ${r.arrowMB} | ${r.peakMB.toFixed(0)} | ${(r.peakMB / rows[0]!.peakMB).toFixed(2)}x | ${r.seconds.toFixed(1)} |`),
];
console.log(lines.join('\n'));
if (args.write) writeSection(resolve(args.write), 'memory', 'Memory', `node_modules/.bin/tsx scripts/memory-scaling.ts ${process.argv.slice(2).join(' ')}`.trim(), lines.join('\n'));
