/**
 * Property tests (fast-check, fixed seed) for the subset reader and the importer on damaged real
 * data: truncations and byte flips of shipped Arrow subset files and of the RewardBench v1
 * parquet, and random type changes of fields in JSONL records made from it. Every case must end
 * in a UserError or a correct result (rows that read back identically) within a time bound, never
 * a hang or another exception. The code under test runs in a worker thread (dist/, built by
 * `npm run build`) so that a hang can be stopped and reported. RMBENCH_FUZZ_RUNS sets the number
 * of cases per property (default: a few seconds' worth).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { SHARED, hasShared } from '../helpers/requires.js';

const RUNS = Number(process.env.RMBENCH_FUZZ_RUNS ?? 150);
const SEED = 17;
/** Far above any case's real time (milliseconds): only a hang reaches it. */
const CASE_BUDGET_MS = 15_000;
const PARQUET = join(SHARED, 'data', 'reward-bench-v1', 'sustech-nlp_BiasScope', 'data', 'rewardbench', 'rewardbench_filtered.parquet');
const PARQUET_MAP = { prompt: 'question', chosen: 'response_A', rejected: 'response_B' };
const ARROW_FILES = [
  { file: 'datasets/rewardbench-v1/llmbar-adver-GPTOut.arrow', subset: 'llmbar-adver-GPTOut', metric: 'pairwise' },
  { file: 'datasets/rmb-bon/helpfulness.reasoning.pattern-recognition.arrow', subset: 'helpfulness.reasoning.pattern-recognition', metric: 'best-of-n' },
] as const;

type Outcome = { kind: 'rows'; rows: unknown[] } | { kind: 'refused'; message: string } | { kind: 'crash'; error: string };

/** Runs in the worker: reads a file the way rmbench does; answers with the outcome. */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const modules = Promise.all([import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/subsets/arrow.js')).href)}), import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/subsets/import.js')).href)}), import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/errors.js')).href)})]);
const scratch = mkdtempSync(join(tmpdir(), 'rmbench-fuzz-worker-'));
async function attempt(body, UserError) {
  try {
    return { kind: 'rows', rows: await body() };
  } catch (err) {
    return err instanceof UserError ? { kind: 'refused', message: err.message } : { kind: 'crash', error: String(err && err.stack || err) };
  }
}
function grouped(rows) {
  const bySubset = new Map();
  for (const row of rows) bySubset.set(row.subset, [...(bySubset.get(row.subset) ?? []), row]);
  return bySubset;
}
parentPort.on('message', async (job) => {
  const [arrow, imports, { UserError }] = await modules;
  if (job.kind === 'arrow') {
    const options = { subset: job.subset, metric: job.metric };
    const whole = await attempt(() => arrow.readSubsetFile(job.path, options), UserError);
    const streamed = await attempt(async () => {
      const rows = [];
      for await (const batch of arrow.streamSubsetFile(job.path, options)) rows.push(...batch);
      return rows;
    }, UserError);
    parentPort.postMessage({ whole, streamed });
  } else {
    // Import: records -> rows; rows that import must read back identically from their Arrow files.
    const imported = await attempt(async () => imports.recordsToRows(await imports.readRecords(job.path), job.path, job.map, job.subset, () => 'pairwise'), UserError);
    let readBack = imported;
    if (imported.kind === 'rows') {
      readBack = await attempt(() => [...grouped(imported.rows)].flatMap(([subset, rows], i) => {
        const path = join(scratch, i + '.arrow');
        writeFileSync(path, arrow.rowsToArrow(rows));
        return arrow.readSubsetFile(path, { subset });
      }), UserError);
    }
    // Compared subset by subset, as they were written.
    parentPort.postMessage({ imported: imported.kind === 'rows' ? { kind: 'rows', rows: [...grouped(imported.rows).values()].flat() } : imported, readBack });
  }
});
`;

let worker: Worker | undefined;
afterAll(() => worker?.terminate());

/** Sends a job to the worker; a job that outlives the budget is a hang (the worker is stopped). */
function inWorker<T>(job: object): Promise<T> {
  worker ??= new Worker(WORKER, { eval: true });
  const current = worker;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      worker = undefined;
      void current.terminate();
      reject(new Error(`no answer within ${CASE_BUDGET_MS} ms: a hang`));
    }, CASE_BUDGET_MS);
    const settle = (finish: () => void) => {
      clearTimeout(timer);
      current.removeAllListeners('message').removeAllListeners('error');
      finish();
    };
    current.once('message', (answer: T) => settle(() => resolve(answer)));
    current.once('error', (err) => settle(() => reject(err)));
    current.postMessage(job);
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'rmbench-fuzz-'));

interface Damage {
  /** Fraction of the file kept (1: all). */
  cut: number;
  /** Bytes XOR-ed with `mask`, at a fraction `at` of the file, or of its first and last KiB. */
  flips: { at: number; mask: number }[];
  /** Flips near the ends hit the metadata (Arrow footer and first message, parquet footer). */
  nearEnds: boolean;
}

const damage: fc.Arbitrary<Damage> = fc.record({
  // Mostly whole files: a cut one is refused early, a flipped one tests the decoding.
  cut: fc.oneof({ arbitrary: fc.constant(1), weight: 3 }, { arbitrary: fc.double({ min: 0, max: 1, noNaN: true }), weight: 1 }),
  flips: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), mask: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 3 }),
  nearEnds: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
});

function damaged(bytes: Uint8Array, { cut, flips, nearEnds }: Damage): Uint8Array {
  const out = Uint8Array.from(bytes.subarray(0, Math.floor(bytes.length * cut)));
  const end = 768;
  for (const { at, mask } of flips) {
    if (out.length === 0) break;
    const position = !nearEnds ? at * out.length : at < 0.5 ? at * 2 * end : out.length - 1 - (at - 0.5) * 2 * end;
    const i = Math.min(out.length - 1, Math.max(0, Math.floor(position)));
    out[i] = out[i]! ^ mask;
  }
  return out;
}

function expectSettled(outcome: Outcome): void {
  if (outcome.kind === 'crash') throw new Error(`not a UserError: ${outcome.error}`);
}

let caseNumber = 0;
function scratchFile(name: string, bytes: Uint8Array | string): string {
  const path = join(scratch, `${caseNumber++}-${name}`);
  writeFileSync(path, bytes);
  return path;
}

describe('fuzz: the Arrow subset reader', () => {
  it('refuses or reads a truncated or byte-flipped shipped subset file, the same way whole and streamed', async () => {
    const originals = ARROW_FILES.map((f) => ({ ...f, bytes: readFileSync(join(ROOT, f.file)) }));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...originals), damage, async (original, how) => {
        const path = scratchFile(`${original.subset}.arrow`, damaged(original.bytes, how));
        const { whole, streamed } = await inWorker<{ whole: Outcome; streamed: Outcome }>({ kind: 'arrow', path, subset: original.subset, metric: original.metric });
        expectSettled(whole);
        expectSettled(streamed);
        expect(streamed.kind).toBe(whole.kind);
        if (whole.kind === 'rows' && streamed.kind === 'rows') expect(streamed.rows).toEqual(whole.rows);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  }, 120_000);
});

// The importer is fuzzed from the real RewardBench v1 parquet in ../shared.
describe.skipIf(!hasShared('data', 'reward-bench-v1'))('fuzz: the importer', () => {
  const parquet = existsSync(PARQUET) ? readFileSync(PARQUET) : Buffer.alloc(0);

  it('refuses or imports JSONL records with fields of random types, truncated or byte-flipped', async () => {
    // Real records: the first rows of RewardBench v1, as a user's JSONL would hold them.
    const { imported } = await inWorker<{ imported: Outcome }>({ kind: 'import', path: PARQUET, map: PARQUET_MAP });
    if (imported.kind !== 'rows') throw new Error(`the parquet does not import: ${JSON.stringify(imported)}`);
    const records = (imported.rows as { id: string; subset: string; prompt: string; chosen: string; rejected: string }[]).slice(0, 20);
    const fields = ['id', 'subset', 'prompt', 'chosen', 'rejected', 'tie'] as const;
    const change = fc.record({ row: fc.nat({ max: records.length - 1 }), field: fc.constantFrom(...fields), value: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(fc.array(change, { maxLength: 4 }), fc.option(damage, { nil: undefined }), async (changes, how) => {
        const mutated = records.map((r) => ({ ...r }) as Record<string, unknown>);
        for (const { row, field, value } of changes) mutated[row]![field] = value;
        const text = Buffer.from(`${mutated.map((r) => JSON.stringify(r)).join('\n')}\n`);
        const path = scratchFile('records.jsonl', how ? damaged(text, how) : text);
        const result = await inWorker<{ imported: Outcome; readBack: Outcome }>({ kind: 'import', path });
        expectSettled(result.imported);
        expectSettled(result.readBack);
        if (result.imported.kind === 'rows') expect(result.readBack).toEqual(result.imported);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  }, 120_000);

  it('refuses or imports a truncated or byte-flipped parquet file', async () => {
    await fc.assert(
      fc.asyncProperty(damage, async (how) => {
        const path = scratchFile('data.parquet', damaged(parquet, how));
        const result = await inWorker<{ imported: Outcome; readBack: Outcome }>({ kind: 'import', path, map: PARQUET_MAP });
        expectSettled(result.imported);
        expectSettled(result.readBack);
        if (result.imported.kind === 'rows') expect(result.readBack).toEqual(result.imported);
      }),
      { seed: SEED, numRuns: Math.max(5, Math.ceil(RUNS / 6)), endOnFailure: true },
    );
  }, 120_000);
});
