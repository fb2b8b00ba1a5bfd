/**
 * The runner on its own (src/scorers/runner.ts), over a scripted backend that records what it is
 * asked: each distinct text encoded once, each distinct model input run once, cached texts neither
 * encoded nor run, the backend's batches kept, at most `concurrency` batches in flight, every
 * batch written to the cache as it lands, and the stats counting all of it.
 */
import { describe, expect, it } from 'vitest';
import { ScoreCache } from '../src/scorers/cache.js';
import { Runner } from '../src/scorers/runner.js';
import type { Backend, BatchResult, ResponseInput } from '../src/scorers/types.js';
import { tempDir } from './helpers/suite.js';

/** Texts are "prompt|response"; a unit is the response lower-cased, so "A" and "a" are one model input. */
class ScriptedBackend implements Backend<string> {
  readonly engine = 'scripted';
  readonly info = { model: 'scripted', config: {} };
  readonly where = 'scripted';
  encoded: string[] = [];
  batches: string[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  failOn?: string;

  constructor(
    readonly concurrency = 1,
    private readonly batchSize = 2,
  ) {}

  outputName = (name: string) => name;
  hasOutput = (name: string) => name === 'value';
  prepare = async () => ['value'];
  textKey = (input: ResponseInput) => `${String(input.prompt)}|${input.response}`;
  encode(input: ResponseInput): string {
    this.encoded.push(input.response);
    return input.response.toLowerCase();
  }
  unitKey = (unit: string) => unit;
  plan(units: readonly string[]): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < units.length; i += this.batchSize) out.push(units.slice(i, i + this.batchSize).map((_, j) => i + j));
    return out;
  }
  async runBatch(units: readonly string[]): Promise<BatchResult> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.batches.push([...units]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.inFlight--;
    if (units.includes(this.failOn ?? '\u0000')) throw new Error(`batch with ${this.failOn} failed`);
    return { rows: units.map((u) => ({ value: Float32Array.of(u.length, u.charCodeAt(0)) })), realTokens: units.length * 3, paddedTokens: units.length * 4, inferenceMs: 1 };
  }
  cacheKey = () => ({ key: 'scripted-model', widths: { value: 2 } });
  async dispose() {}
}

const inputs = (responses: string[], prompt = 'p'): ResponseInput[] => responses.map((response) => ({ prompt, response }));
const values = (rows: { value?: Float32Array }[]) => rows.map((r) => Array.from(r.value!));

describe('Runner', () => {
  it('encodes each distinct text once and runs each distinct model input once, in input order', async () => {
    const backend = new ScriptedBackend();
    const runner = new Runner(backend);
    const progress: [number, number][] = [];
    const rows = await runner.run(inputs(['ab', 'ab', 'AB', 'xyz', 'ab']), ['value'], (d, t) => progress.push([d, t]));
    expect(values(rows)).toEqual([
      [2, 97],
      [2, 97],
      [2, 97],
      [3, 120],
      [2, 97],
    ]);
    expect(backend.encoded).toEqual(['ab', 'AB', 'xyz']);
    expect(backend.batches).toEqual([['ab', 'xyz']]);
    // Identical inputs share one row object: bit-identical whatever their batch.
    expect(rows[0]).toBe(rows[2]);
    expect(progress).toEqual([[2, 2]]);
    expect(runner.stats).toMatchObject({ responses: 5, uniqueTexts: 3, uniqueInputs: 2, cachedTexts: 0, batches: 1, realTokens: 6, paddedTokens: 8, inferenceMs: 1, batchMs: [1] });
  });

  it('keeps the backend batches and at most `concurrency` in flight', async () => {
    const backend = new ScriptedBackend(3, 2);
    const runner = new Runner(backend);
    const responses = Array.from({ length: 13 }, (_, i) => `r${i}`);
    const rows = await runner.run(inputs(responses), ['value']);
    expect(values(rows)).toEqual(responses.map((r) => [r.length, r.charCodeAt(0)]));
    expect(backend.batches.map((b) => b.length)).toEqual([2, 2, 2, 2, 2, 2, 1]);
    expect(backend.maxInFlight).toBe(3);
    expect(runner.stats.batches).toBe(7);
  });

  it('takes cached texts from the cache (neither encoded nor run) and writes every batch as it lands', async () => {
    const dir = tempDir();
    const first = new ScriptedBackend();
    const runner1 = new Runner(first, { cacheDir: dir });
    await runner1.run(inputs(['a', 'bb', 'ccc']), ['value']);
    await runner1.dispose();

    const second = new ScriptedBackend();
    const runner2 = new Runner(second, { cacheDir: dir });
    const rows = await runner2.run(inputs(['bb', 'dddd', 'a', 'a']), ['value']);
    expect(values(rows)).toEqual([
      [2, 98],
      [4, 100],
      [1, 97],
      [1, 97],
    ]);
    expect(second.encoded).toEqual(['dddd']);
    expect(runner2.stats).toMatchObject({ responses: 4, uniqueTexts: 3, uniqueInputs: 1, cachedTexts: 2, batches: 1 });
    await runner2.dispose();
    // Another prompt is another text: not cached.
    const third = new ScriptedBackend();
    const runner3 = new Runner(third, { cacheDir: dir });
    await runner3.run(inputs(['a'], 'q'), ['value']);
    expect(third.encoded).toEqual(['a']);
    await runner3.dispose();
  });

  it('a failed batch fails the run, and the batches that landed before it stay in the cache', async () => {
    const dir = tempDir();
    const backend = new ScriptedBackend(1, 1);
    backend.failOn = 'c';
    const runner = new Runner(backend, { cacheDir: dir });
    await expect(runner.run(inputs(['a', 'b', 'c', 'd']), ['value'])).rejects.toThrow('batch with c failed');
    await runner.dispose();
    const cache = ScoreCache.open(dir, 'scripted-model', { names: ['value'], widths: { value: 2 } });
    expect(cache.size).toBe(2);
    cache.close();
  });
});
