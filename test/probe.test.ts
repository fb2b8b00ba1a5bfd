/**
 * `rmbench probe` (src/analysis/probe.ts) on a tiny exact bag-of-words model: every setting's
 * flips and score change against a hand computation of the truncated texts' scores, the sample
 * allocation by hand, seeded determinism, and bad input (exit 1, one line, nothing written).
 */
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, stratifiedSample, type ProbeReport } from '../src/analysis/probe.js';
import { bestOfN } from '../src/metrics/best-of-n.js';
import { rmbench } from './helpers/cli.js';
import { pair, set, writeMixedSuite } from './helpers/mixed-suite.js';
import { tempDir } from './helpers/suite.js';
import { writeBagOfWordsModel } from './helpers/tiny-models.js';
import { expectUserError } from './helpers/refusal.js';

const WEIGHTS = { good: 1, bad: -1 };
/** The q8 variant: the same vocabulary with every weight negated, so every decided comparison flips. */
const NEGATED = { good: -1, bad: 1 };
const MAX_LENGTH = 8;

const ROWS = [
  pair('a', '1', 'good x x x x', 'x'),
  pair('a', '2', 'good x x x x x x x x', 'x'), // "good" is cut by left truncation at 8 tokens (a tie), kept by right
  pair('a', '3', 'x good', 'bad'),
  pair('a', '4', 'bad x x x x x x x good', 'x x x x x x x x x bad'), // right truncation keeps the bad start
  pair('a', '5', 'x', 'good'),
  pair('a', '6', 'bad bad good x x x x x x', 'x'),
];
const SETS = [set('b', '1', ['good'], ['x', 'bad']), set('b', '2', ['x x x x x x good'], ['good', 'bad x x x x x x'])];

/** The model's score by hand: the plain format's words, truncated like the tokenizer, weights summed. */
function handScore(response: string, weights: Record<string, number>, maxLength: number, side: 'left' | 'right'): number {
  const tokens = `User: q\n\nAssistant: ${response}`.toLowerCase().match(/\w+|[^\w\s]+/gu)!;
  const kept = side === 'left' ? tokens.slice(-maxLength) : tokens.slice(0, maxLength);
  return kept.reduce((s, t) => s + ((weights as Record<string, number>)[t] ?? 0), 0);
}

/** Each item's comparison signs and value under given settings, by hand. */
function handDecide(weights: Record<string, number>, maxLength: number, side: 'left' | 'right') {
  const score = (r: string) => handScore(r, weights, maxLength, side);
  const pairs = ROWS.map((row) => {
    const m = score(row.chosen as string) - score(row.rejected as string);
    return { signs: String(Math.sign(m)), value: m > 0 ? 1 : 0 };
  });
  const sets = SETS.map((row) => {
    const prefers = (row.rejected as string[]).map((r) => score((row.chosen as string[])[0]!) - score(r));
    return { signs: prefers.map(Math.sign).join(','), value: bestOfN(prefers) };
  });
  return [...pairs, ...sets];
}

function writeFixture(dir: string): { model: string; manifest: string } {
  const model = join(dir, 'bow');
  writeBagOfWordsModel(model, WEIGHTS, { rmbench: { max_length: MAX_LENGTH, truncation_side: 'left', text_format: 'plain' } });
  const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'));
  writeFileSync(join(model, 'config.json'), JSON.stringify({ ...config, max_position_embeddings: 16 }));
  const negated = join(dir, 'negated');
  writeBagOfWordsModel(negated, NEGATED);
  copyFileSync(join(negated, 'onnx', 'model.onnx'), join(model, 'onnx', 'model_quantized.onnx'));
  const manifest = writeMixedSuite(dir, 'probe', [
    { name: 'a', metric: 'pairwise', rows: ROWS },
    { name: 'b', metric: 'best-of-n', rows: SETS },
  ]);
  return { model, manifest };
}

const files = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

describe('rmbench probe (subprocess, tiny exact model)', () => {
  it('reports per setting the flips and score change that a hand computation gives', () => {
    const dir = tempDir();
    const { model, manifest } = writeFixture(dir);
    const before = files(dir);
    const r = rmbench(['probe', model, '--suite', 'probe', '--manifest', manifest, '--json'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ProbeReport;
    expect(report.sample).toEqual({ items: 8, seed: 20240, subsets: { a: 6, b: 2 } });
    expect(report.base).toMatchObject({ max_length: 8, truncation_side: 'left', padding_side: 'right', add_special_tokens: true, dtype: 'fp32', token_budget: 4096 });
    const base = handDecide(WEIGHTS, MAX_LENGTH, 'left');
    const expected: Record<string, ReturnType<typeof handDecide>> = {
      'max_length x1/2': handDecide(WEIGHTS, 4, 'left'),
      'max_length x2': handDecide(WEIGHTS, 16, 'left'),
      'truncation right': handDecide(WEIGHTS, MAX_LENGTH, 'right'),
      'padding left': base, // the attention mask hides padding: nothing may change
      'special tokens not added': base, // this tokenizer adds none
      'dtype q8': handDecide(NEGATED, MAX_LENGTH, 'left'),
      'token budget 512': base,
    };
    expect(report.settings.map((s) => s.name)).toEqual(Object.keys(expected));
    const total = (d: ReturnType<typeof handDecide>) => d.reduce((s, x) => s + x.value, 0);
    for (const s of report.settings) {
      const alt = expected[s.name]!;
      const flipped = alt.map((x, i) => x.signs !== base[i]!.signs);
      const flips = { a: flipped.slice(0, 6).filter(Boolean).length, b: flipped.slice(6).filter(Boolean).length };
      expect(s.flips, s.name).toEqual({ total: flips.a + flips.b, share: (flips.a + flips.b) / 8, subsets: flips });
      // One section weighted by row counts: the score is the mean item value.
      expect(s.score!.delta, s.name).toBeCloseTo((total(alt) - total(base)) / 8, 14);
      expect(s.score!.interval.low <= s.score!.delta && s.score!.delta <= s.score!.interval.high).toBe(true);
      expect(s.flagged).toBe(flips.a + flips.b >= 0.08);
    }
    // The hand computation has flips where the fixture means to have them.
    expect(report.settings.find((s) => s.name === 'truncation right')!.flips!.total).toBeGreaterThanOrEqual(2);
    expect(report.settings.find((s) => s.name === 'dtype q8')!.flips!.total).toBe(base.filter((x) => !/^0(,0)*$/.test(x.signs)).length);
    expect(report.base.score).toBeCloseTo(total(base) / 8, 14);
    expect(report.flagged).toEqual(report.settings.filter((s) => s.flagged).map((s) => s.name));
    expect(files(dir)).toEqual(before);
  });

  it('skips max length x2 beyond max_position_embeddings; samples by subset, the same with the same seed', () => {
    const dir = tempDir();
    const { model, manifest } = writeFixture(dir);
    const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'));
    writeFileSync(join(model, 'config.json'), JSON.stringify({ ...config, max_position_embeddings: 12 }));
    const args = ['probe', model, '--suite', 'probe', '--manifest', manifest, '--sample', '4', '--json'];
    const first = rmbench(args, dir);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as ProbeReport;
    expect(report.settings.find((s) => s.name === 'max_length x2')).toEqual({
      name: 'max_length x2', description: 'max length 16 (base 8)', status: 'skipped', reason: "beyond config.json's max_position_embeddings 12",
    });
    // 4 of 8 items, proportionally: 6 -> 3, 2 -> 1.
    expect(report.sample.subsets).toEqual({ a: 3, b: 1 });
    expect(rmbench(args, dir).stdout).toBe(first.stdout);
    const text = rmbench(['probe', model, '--suite', 'probe', '--manifest', manifest], dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^max_length x2 +skipped: beyond config\.json's max_position_embeddings 12$/m);
    expect(text.stdout).toMatch(/setting\(s\) change >= 1\.0% of the decisions/);
  });

  it('refuses a missing model, a bad sample size or seed, an absent dtype and an unknown suite, writing nothing', () => {
    const dir = tempDir();
    const { model, manifest } = writeFixture(dir);
    const before = files(dir);
    const base = ['--suite', 'probe', '--manifest', manifest];
    expectUserError(rmbench(['probe', join(dir, 'nope'), ...base], dir), /nope: model folder not found/);
    expectUserError(rmbench(['probe', model, ...base, '--sample', '0'], dir), /--sample must be a positive integer, got "0"/);
    expectUserError(rmbench(['probe', model, ...base, '--seed', 'x'], dir), /--seed must be an integer, got "x"/);
    expectUserError(rmbench(['probe', model, ...base, '--dtype', 'fp16'], dir), /dtype "fp16" needs onnx\/model_fp16\.onnx/);
    expectUserError(rmbench(['probe', model, '--suite', 'nope', '--manifest', manifest], dir), /nope/);
    expect(files(dir)).toEqual(before);
  });
});

describe('stratified sample', () => {
  it('allocates proportionally by hand, largest remainders first, at least one per subset when it can', () => {
    expect(allocate([100, 50, 10], 16)).toEqual([10, 5, 1]);
    expect(allocate([5, 5, 5], 2)).toEqual([1, 1, 0]); // fewer items than subsets: equal remainders, earlier first
    expect(allocate([1000, 1, 1], 10)).toEqual([8, 1, 1]); // 9 + 1 + 1 overshoots: one back from the largest
    expect(allocate([3, 4], 50)).toEqual([3, 4]);
  });

  it('keeps each subset in order, with the allocated sizes, for any sizes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 200 }), fc.integer(), (sizes, size, seed) => {
        const groups = sizes.map((n, g) => Array.from({ length: n }, (_, i) => g * 1000 + i));
        const counts = allocate(sizes, size);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(Math.min(size, sizes.reduce((a, b) => a + b, 0)));
        const sample = stratifiedSample(groups, size, seed);
        sample.forEach((rows, g) => {
          expect(rows).toHaveLength(counts[g]!);
          expect(rows.every((x, i) => i === 0 || x > rows[i - 1]!)).toBe(true);
          expect(rows.every((x) => groups[g]!.includes(x))).toBe(true);
        });
        expect(stratifiedSample(groups, size, seed)).toEqual(sample);
      }),
      { seed: 20240, numRuns: Number(process.env.RMBENCH_FUZZ_RUNS ?? 200) },
    );
  });
});
