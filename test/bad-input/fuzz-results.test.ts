/**
 * Property test of the results reader and everything that consumes what it returns (the table,
 * the HTML page, the leaderboard, the gate): a real results file and its scores file, with random
 * type changes, deleted fields, truncations and byte flips, must give a UserError or a clean
 * result, within a time bound; never another exception (a crash) or a hang. Seeded; more cases
 * with RMBENCH_FUZZ_RUNS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/bench/run.js';
import { UserError } from '../../src/errors.js';
import { gate } from '../../src/report/gate.js';
import { renderHtmlReport } from '../../src/report/html.js';
import { buildLeaderboard } from '../../src/report/leaderboard.js';
import { renderTable } from '../../src/report/table.js';
import { readResults, readScores, writeRun } from '../../src/report/write.js';
import { tempDir, writeSuite } from '../helpers/suite.js';

const RUNS = Number(process.env.RMBENCH_FUZZ_RUNS ?? 150);
const SEED = 20240;
/** Per case: reading, rendering and gating a file this small takes milliseconds. */
const TIME_BOUND_MS = 2_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path into a JSON value (objects' keys and arrays' indices), the root excluded. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

/** A copy of `value` with the node at `path` replaced (or deleted when `replacement` is undefined). */
function edit(value: Json, path: readonly (string | number)[], replacement: Json | undefined): Json {
  const copy = structuredClone(value);
  let node = copy as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  const last = path.at(-1)!;
  if (replacement === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = replacement;
  return copy;
}

const anyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.string(),
  fc.constantFrom('<meta http-equiv=refresh content="0;url=x">', '\u001b[2J', '', 'NaN', '1e999'),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-1, 0, 1, 2, 1e300, -0),
  fc.boolean(),
  fc.constant(null),
  fc.constant<Json>([]),
  fc.constant<Json>({}),
  fc.array(fc.integer(), { maxLength: 3 }),
);

/** A mutation of a JSON text: a type change or deletion at a random path, a truncation, or a byte flip. */
function mutations(text: string): fc.Arbitrary<string> {
  const value = JSON.parse(text) as Json;
  const all = paths(value);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...all), anyValue).map(([path, v]) => JSON.stringify(edit(value, path, v))),
    fc.constantFrom(...all).map((path) => JSON.stringify(edit(value, path, undefined))),
    fc.nat({ max: text.length - 1 }).map((n) => text.slice(0, n)),
    fc.tuple(fc.nat({ max: text.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, code]) => text.slice(0, i) + String.fromCharCode(code) + text.slice(i + 1)),
  );
}

/** Everything a command does with a results file after reading it, in process. */
function consume(path: string): void {
  const results = readResults(path);
  const pairs = readScores(path, results);
  renderTable(results);
  renderHtmlReport(results, pairs);
  buildLeaderboard([{ path, results }]);
  gate({ path, results, pairs }, { path, results, pairs }, { resamples: 100 });
}

/** A UserError or success within the time bound; anything else fails the property. */
function refusesOrReads(path: string): void {
  const started = performance.now();
  try {
    consume(path);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
  }
  expect(performance.now() - started).toBeLessThan(TIME_BOUND_MS);
}

describe('fuzz: the results reader and its consumers refuse or read, never crash or hang', () => {
  const dir = tempDir('rmbench-fuzz-');
  const results = join(dir, 'r.json');
  const scores = join(dir, 'r.scores.jsonl');
  let resultsText = '';
  let scoresText = '';

  beforeAll(async () => {
    const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
    const manifest = writeSuite(dir, 'fuzz', [
      { name: 's1', section: 'A', rows: words.map((w, i) => ({ id: String(i), prompt: w, chosen: `${w} `.repeat(i + 1), rejected: `${w} `.repeat(3) })) },
      { name: 's2', section: 'B', rows: words.map((w, i) => ({ id: String(i), prompt: w, chosen: `${w} `.repeat(6 - i), rejected: w })) },
    ]);
    writeRun(await run({ model: 'length', suite: 'fuzz', manifest }), { out: results });
    resultsText = readFileSync(results, 'utf8');
    scoresText = readFileSync(scores, 'utf8');
    consume(results); // the unmutated run reads cleanly
  });

  it('mutated results files', () => {
    fc.assert(
      fc.property(mutations(resultsText), (text) => {
        writeFileSync(results, text);
        writeFileSync(scores, scoresText);
        refusesOrReads(results);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('mutated scores files', () => {
    const lines = scoresText.trim().split('\n');
    fc.assert(
      fc.property(fc.nat({ max: lines.length - 1 }).chain((i) => mutations(lines[i]!).map((line) => lines.map((l, k) => (k === i ? line : l)).join('\n'))), (text) => {
        writeFileSync(results, resultsText);
        writeFileSync(scores, text);
        refusesOrReads(results);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
