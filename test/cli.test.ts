import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Results } from '../src/report/schema.js';
import { ROOT, rmbench } from './helpers/cli.js';
import { SHARED, hasPython, hasShared } from './helpers/requires.js';
import { tempDir } from './helpers/suite.js';
import { writeBagOfWordsModel } from './helpers/tiny-models.js';

const CHECKER = join(SHARED, 'checks', 'check_rb1_results.py');
const RB1_PARQUET = join(SHARED, 'data', 'reward-bench-v1', 'sustech-nlp_BiasScope', 'data', 'rewardbench', 'rewardbench_filtered.parquet');
/** The independent recomputation needs python3 and ../shared/checks; the run itself is checked either way. */
const CHECKER_AVAILABLE = hasPython() && hasShared('checks', 'check_rb1_results.py');
const WEIGHTS = { sorry: -1, cannot: -1, apologize: -1, sure: 0.5, here: 0.5, step: 0.25, return: 0.25, def: 0.25, because: 0.25 };

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** A user mistake: exit 1, one line on stderr naming the problem, no stack trace. */
function expectUserError(r: ReturnType<typeof rmbench>, message: RegExp) {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('rmbench run (subprocess)', () => {
  it('scores all 2,985 pairs of rewardbench-v1 with a real ONNX model, matching an independent recomputation', () => {
    const dir = tempDir();
    const model = join(dir, 'bow');
    writeBagOfWordsModel(model, WEIGHTS);
    const out = join(dir, 'out', 'bow.json');
    const r = rmbench(['run', model, '--out', out, '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Overall/);
    const results = readJson<Results>(out);
    expect(results).toMatchObject({ schema_version: 1, model: 'bow', model_type: 'bradley-terry', suite: { name: 'rewardbench-v1', version: '1.0.0' }, partial: false, scores_file: 'bow.scores.jsonl' });
    expect(Object.keys(results.subsets)).toHaveLength(23);
    const ci = results.confidence_intervals;
    expect(ci.resamples).toBeGreaterThanOrEqual(1000);
    expect(Object.keys(ci.subsets)).toEqual(Object.keys(results.subsets));
    for (const [name, s] of Object.entries(results.subsets)) expect(ci.subsets[name]!.low <= s.accuracy && s.accuracy <= ci.subsets[name]!.high).toBe(true);
    expect(ci.overall.low <= results.overall && results.overall <= ci.overall.high).toBe(true);
    expect(Object.values(results.subsets).reduce((n, s) => n + s.n, 0)).toBe(2985);
    const lines = readFileSync(join(dir, 'out', 'bow.scores.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2985);
    expect(Object.keys(lines[0])).toEqual(['key', 'subset', 'id', 'chosen_score', 'rejected_score', 'correct', 'margin']);
    expect(new Set(lines.map((l) => l.key)).size).toBe(2985);
    for (const l of lines) expect(l.correct).toBe(l.chosen_score > l.rejected_score);
    if (!CHECKER_AVAILABLE) return;
    const check = spawnSync('python3', [CHECKER, out, join(dir, 'out', 'bow.scores.jsonl')], { encoding: 'utf8' });
    expect(check.stdout).toMatch(/all match/);
    expect(check.status).toBe(0);
  });

  it('pins the length oracle: 99/100 on alpacaeval-easy and 94/95 on alpacaeval-hard, one tie each', () => {
    const out = join(tempDir(), 'length.json');
    const r = rmbench(['run', 'length', '--subsets', 'alpacaeval-easy,alpacaeval-hard', '--out', out, '--no-progress']);
    expect(r.code).toBe(0);
    const results = readJson<Results>(out);
    expect(results.partial).toBe(true);
    expect(results.subsets['alpacaeval-easy']).toMatchObject({ n: 100, correct: 99, ties: 1 });
    expect(results.subsets['alpacaeval-hard']).toMatchObject({ n: 95, correct: 94, ties: 1 });
    expect(r.stdout).toMatch(/1 tie \(counted wrong\)/);
    // The chosen response is the longer in every decided pair here: preferring it is no bias (test/audit.test.ts flags it elsewhere).
    expect(results.length_bias.flag).toBeNull();
    expect(results.length_bias.subsets['alpacaeval-easy']).toMatchObject({ category: 'longer', chars: { longer: 0.99, shorter: 0 }, prefers_longer: 1 });
    expect(r.stdout).not.toMatch(/length bias:/);
  });

  it('marks --limit runs partial', () => {
    const out = join(tempDir(), 'l.json');
    expect(rmbench(['run', 'length', '--limit', '3', '--out', out, '--no-progress']).code).toBe(0);
    const results = readJson<Results>(out);
    expect(results.partial).toBe(true);
    expect(results.selection).toEqual({ subsets: null, limit: 3, shard: null });
    expect(Object.values(results.subsets).every((s) => s.n === 3)).toBe(true);
  });

  it('refuses, in one line and before writing anything, a flag the model\'s backend does not take', () => {
    const dir = tempDir();
    const cases: [string[], RegExp][] = [
      [['length', '--dtype', 'fp16'], /^rmbench: --dtype: not used by "length" \(a baseline\) \(it takes no scorer options\)$/],
      [['vllm+http://127.0.0.1:9/m', '--threads', '2'], /^rmbench: --threads: not used by vllm\+http:\/\/127\.0\.0\.1:9\/m \(vllm\+http:\/\/HOST:PORT\/MODEL\) \(it takes .*--tokenizer/],
    ];
    for (const [args, pattern] of cases) {
      const out = join(dir, 'r.json');
      const r = rmbench(['run', ...args, '--out', out, '--no-progress', '--no-cache']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim()).toMatch(pattern);
      expect(r.stderr.trim()).not.toContain('\n');
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe('bad input: a one-line error, exit 1, no results file', () => {
  const cases: [string, (dir: string) => string[], RegExp][] = [
    ['a missing model folder', (dir) => ['run', join(dir, 'nope')], /nope: model folder not found/],
    ['a model folder without tokenizer', (dir) => {
      writeBagOfWordsModel(join(dir, 'm'), WEIGHTS);
      cpSync(join(dir, 'm'), join(dir, 'm2'), { recursive: true });
      writeFileSync(join(dir, 'm2', 'tokenizer.json'), '');
      return ['run', join(dir, 'm2')];
    }, /m2: cannot load the tokenizer/],
    ['an ONNX model without the expected output', (dir) => {
      writeBagOfWordsModel(join(dir, 'm'), WEIGHTS, { outputName: 'reward' });
      return ['run', join(dir, 'm')];
    }, /model\.onnx: no output "logits" \(outputs: reward\)/],
    ['NaN scores', (dir) => {
      writeBagOfWordsModel(join(dir, 'm'), { ...WEIGHTS, the: Number.NaN });
      return ['run', join(dir, 'm'), '--subsets', 'alpacaeval-easy'];
    }, /m: non-finite score for pair alpacaeval-easy\/\d+ \(scores NaN/],
    ['an unknown suite', () => ['run', 'length', '--suite', 'nope'], /no suite "nope" \(available: rewardbench-v1/],
    ['a corrupt subset file', (dir) => {
      cpSync(join(ROOT, 'datasets.manifest.json'), join(dir, 'datasets.manifest.json'));
      cpSync(join(ROOT, 'datasets'), join(dir, 'datasets'), { recursive: true });
      writeFileSync(join(dir, 'datasets', 'rewardbench-v1', 'hep-go.arrow'), 'garbage');
      return ['run', 'length', '--manifest', join(dir, 'datasets.manifest.json')];
    }, /hep-go\.arrow: sha256 is [0-9a-f]+, the manifest expects/],
    ['a bad --limit', () => ['run', 'length', '--limit', '0'], /--limit.*expected a positive integer, got "0"/],
  ];
  it.each(cases)('%s', (_name, args, message) => {
    const dir = tempDir();
    const out = join(dir, 'results', 'r.json');
    const r = rmbench([...args(dir), '--out', out, '--no-progress']);
    expectUserError(r, message);
    expect(existsSync(join(dir, 'results'))).toBe(false);
  });
});

describe('rmbench data import', () => {
  it.skipIf(!hasShared('data', 'reward-bench-v1'))('re-imports the shipped rewardbench-v1 byte for byte from the upstream parquet', () => {
    const dir = tempDir();
    const r = rmbench([
      'data', 'import', RB1_PARQUET, '--suite', 'rewardbench-v1', '--manifest', join(dir, 'datasets.manifest.json'),
      '--map', 'prompt=question,chosen=response_A,rejected=response_B', '--sections', join(ROOT, 'datasets', 'sections', 'rewardbench-v1.json'),
    ]);
    expect(r.code).toBe(0);
    const shipped = readJson<{ suites: Record<string, { subsets: { name: string; sha256: string; rows: number; weight: number; length_category?: string }[] }> }>(join(ROOT, 'datasets.manifest.json'));
    const fresh = readJson<typeof shipped>(join(dir, 'datasets.manifest.json'));
    const pick = (m: typeof shipped) => m.suites['rewardbench-v1']!.subsets.map(({ name, sha256, rows, weight, length_category }) => ({ name, sha256, rows, weight, length_category }));
    expect(pick(fresh)).toEqual(pick(shipped));
    expect(readdirSync(join(dir, 'datasets', 'rewardbench-v1'))).toHaveLength(23);
  });

  it('imports JSONL with a column map and conversations, then runs on it', () => {
    const dir = tempDir();
    const file = join(dir, 'mine.jsonl');
    const rows = [
      { q: 'Say hi', good: 'Hello there, friend!', bad: 'no', cat: 'greet', uid: 1 },
      { q: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hey' }, { role: 'user', content: 'more?' }], good: 'Sure, here is more.', bad: 'Sure, here is a much longer answer.', cat: 'greet', uid: 2 },
      { q: 'Add 2+2', good: '4', bad: 'five', cat: 'math', uid: 1 },
    ];
    writeFileSync(file, rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
    const imp = rmbench(['data', 'import', file, '--suite', 'mine', '--map', 'prompt=q,chosen=good,rejected=bad,subset=cat,id=uid'], dir);
    expect(imp.stderr).toBe('');
    expect(imp.code).toBe(0);
    const out = join(dir, 'r.json');
    expect(rmbench(['run', 'length', '--suite', 'mine', '--out', out, '--no-progress'], dir).code).toBe(0);
    const results = readJson<Results>(out);
    expect(results.subsets).toEqual({
      greet: { metric: 'pairwise', section: 'all', weight: 2, n: 2, correct: 1, ties: 0, accuracy: 0.5 },
      math: { metric: 'pairwise', section: 'all', weight: 1, n: 1, correct: 0, ties: 0, accuracy: 0 },
    });
    // One section weighted by row counts: (0.5 * 2 + 0 * 1) / 3.
    expect(results.overall).toBeCloseTo(1 / 3, 12);
  });

  it('names the line or row and field of bad input', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.jsonl'), '{"prompt": "p", "chosen": "c", "rejected": "r", "subset": "s"}\n{"prompt": "p", "chosen": 3, "subset": "s"}\n');
    expectUserError(rmbench(['data', 'import', 'a.jsonl', '--suite', 'x'], dir), /a\.jsonl: 2 problems\n\s+- row 1, field "chosen" \(chosen\): number, expected a string\n\s+- row 1, field "rejected" \(rejected\): missing/);
    writeFileSync(join(dir, 'b.jsonl'), '{"prompt": "p"\n');
    expectUserError(rmbench(['data', 'import', 'b.jsonl', '--suite', 'x'], dir), /b\.jsonl: line 1 is not valid JSON/);
    expect(existsSync(join(dir, 'datasets.manifest.json'))).toBe(false);
  });
});
