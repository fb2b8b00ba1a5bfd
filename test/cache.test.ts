import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Results } from '../src/report/schema.js';
import { CACHE_FORMAT, ScoreCache, cacheKey } from '../src/scorers/cache.js';
import { CLI, ROOT, rmbench } from './helpers/cli.js';
import { tempDir } from './helpers/suite.js';
import { writeBagOfWordsModel } from './helpers/tiny-models.js';

const KILLER = join(ROOT, 'test', 'helpers', 'kill-after-cache-writes.mjs');

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const WEIGHTS = { sorry: -1, cannot: -0.5, sure: 0.5, here: 0.25, def: 0.125 };
/** What must be identical between two runs: everything but timing, dates and the cache switch. */
const comparable = (r: Results) => ({ subsets: r.subsets, sections: r.sections, overall: r.overall, intervals: r.confidence_intervals, length: r.length_bias, model_sha256: r.model_sha256 });

describe('ScoreCache', () => {
  it('round-trips float32 outputs bit for bit and merges segments of several writers', () => {
    const root = tempDir();
    const key = cacheKey({ b: 2, a: [1, { y: 1, x: 2 }] });
    expect(key).toBe(cacheKey({ a: [1, { x: 2, y: 1 }], b: 2 }));
    const values = Float32Array.of(0.1, -1e-30, 3.4028234663852886e38, Math.PI, 1 / 3);
    const a = ScoreCache.open(root, key, { names: ['logits'] });
    const b = ScoreCache.open(root, key, { names: ['logits'] });
    a.put([['t1', { logits: values }]]);
    b.put([['t2', { logits: Float32Array.of(7, 8, 9, 10, 11) }]]);
    a.close();
    b.close();
    expect(readdirSync(join(root, CACHE_FORMAT, key))).toHaveLength(2);
    const again = ScoreCache.open(root, key, { names: ['logits'] });
    expect(again.size).toBe(2);
    expect(Buffer.from(again.get('t1')!.logits!.buffer)).toEqual(Buffer.from(values.buffer));
  });

  it('ignores a line cut short by a kill', () => {
    const root = tempDir();
    const cache = ScoreCache.open(root, 'k', { names: ['x'] });
    cache.put([['t1', { x: Float32Array.of(1) }]]);
    cache.close();
    const [segment] = readdirSync(join(root, CACHE_FORMAT, 'k'));
    appendFileSync(join(root, CACHE_FORMAT, 'k', segment!), '{"t":"t2","o":{"x":[1.2');
    const again = ScoreCache.open(root, 'k', { names: ['x'] });
    expect(again.size).toBe(1);
    expect(again.loaded).toEqual({ lines: 1, skipped: 1, corrupt: 0 });
  });
});

describe('rmbench run with the score cache', () => {
  it('computes nothing on a second run and reuses texts shared with another suite selection', () => {
    const dir = tempDir();
    const cacheDir = join(dir, 'cache');
    writeBagOfWordsModel(join(dir, 'bow'), WEIGHTS);
    const go = (out: string, extra: string[] = []) => {
      const r = rmbench(['run', join(dir, 'bow'), '--out', join(dir, out), '--no-progress', '--cache-dir', cacheDir, ...extra]);
      expect(r.code, r.stderr).toBe(0);
      return readJson<Results>(join(dir, out));
    };
    const part = go('part.json', ['--subsets', 'hep-go']);
    expect(part.timing.cached_texts).toBe(0);
    const first = go('first.json');
    // hep-go's texts came from the first run's cache.
    expect(first.timing.cached_texts).toBe(part.timing.unique_texts);
    const second = go('second.json');
    expect(second.timing).toMatchObject({ unique_inputs: 0, batches: 0, cached_texts: first.timing.unique_texts });
    expect(comparable(second)).toEqual(comparable(first));
    expect(readFileSync(join(dir, 'second.scores.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'first.scores.jsonl'), 'utf8'));
    const fresh = go('fresh.json', ['--no-cache']);
    expect(fresh.timing.cached_texts).toBe(0);
    expect(fresh.config.cache).toBe('off');
    expect(comparable(fresh)).toEqual(comparable(first));
  });

  it('resumes a run killed (SIGKILL) twice while scoring and ends with results identical to an uninterrupted run', () => {
    const dir = tempDir();
    const cacheDir = join(dir, 'cache');
    const model = join(dir, 'bow');
    writeBagOfWordsModel(model, WEIGHTS);
    // Small batches: many cache writes, a long window to kill in.
    const args = (out: string) => ['run', model, '--out', join(dir, out), '--no-progress', '--cache-dir', cacheDir, '--token-budget', '8'];
    const cachedLines = () =>
      existsSync(join(cacheDir, CACHE_FORMAT))
        ? readdirSync(join(cacheDir, CACHE_FORMAT)).flatMap((k) => readdirSync(join(cacheDir, CACHE_FORMAT, k)).map((f) => readFileSync(join(cacheDir, CACHE_FORMAT, k, f), 'utf8').split('\n').filter(Boolean).length)).reduce((a, b) => a + b, 0)
        : 0;
    // The uninterrupted reference first (no cache): it also says how many distinct texts there are.
    const reference = rmbench(['run', model, '--out', join(dir, 'reference.json'), '--no-progress', '--no-cache']);
    expect(reference.code, reference.stderr).toBe(0);
    const uniqueTexts = readJson<Results>(join(dir, 'reference.json')).timing.unique_texts;
    // Each run kills itself right after its Nth write to the cache (a preloaded hook, no timing).
    for (const writes of [3, 7]) {
      const before = cachedLines();
      const killed = spawnSync(process.execPath, ['--import', KILLER, CLI, ...args('killed.json')], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, RMBENCH_CACHE_DIR: cacheDir, RMBENCH_TEST_KILL_AFTER_WRITES: String(writes) },
      });
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      // Killed while scoring: some new scores cached, not all; no results file, no scores file.
      const after = cachedLines();
      expect(after).toBeGreaterThan(before);
      expect(after).toBeLessThan(uniqueTexts);
      expect(existsSync(join(dir, 'killed.json'))).toBe(false);
      expect(existsSync(join(dir, 'killed.scores.jsonl'))).toBe(false);
    }
    const resumed = rmbench(args('resumed.json'));
    expect(resumed.code, resumed.stderr).toBe(0);
    const a = readJson<Results>(join(dir, 'resumed.json'));
    const b = readJson<Results>(join(dir, 'reference.json'));
    expect(comparable(a)).toEqual(comparable(b));
    expect(readFileSync(join(dir, 'resumed.scores.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'reference.scores.jsonl'), 'utf8'));
  });
});
