/**
 * @file The score cache: a model's outputs per formatted text, on disk, so a second run of the
 * same model computes nothing, a suite sharing texts with another reuses them, and a killed run
 * resumes where it stopped.
 *
 * Layout: <root>/v1/<model key>/<segment>.jsonl, one line per text: {"t": text hash, "o": {output: [values]}}.
 * The model key hashes everything that affects outputs (weights' sha256, scorer config, outputs,
 * device); the text hash covers the exact text the model reads (and its prompt input, if any).
 * Each process appends only to its own new segment, so concurrent runs never write the same file;
 * readers merge all segments. A line cut short by a kill is ignored. Values are float32 printed as
 * the shortest decimal that parses back to the same value, so cached outputs are bit-identical.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const CACHE_FORMAT = 'v1';

/** Output name -> one response's values. */
export type CachedRow = Record<string, Float32Array>;

/** $RMBENCH_CACHE_DIR, else $XDG_CACHE_HOME/rmbench, else ~/.cache/rmbench. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RMBENCH_CACHE_DIR) return resolve(env.RMBENCH_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'rmbench');
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A stable key for everything that affects a model's outputs (key order does not matter). */
export function cacheKey(parts: Record<string, unknown>): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
        : value;
  return sha256Hex(JSON.stringify(canonical(parts)));
}

export class ScoreCache {
  private readonly rows = new Map<string, CachedRow>();
  private segment: number | undefined;
  /** Lines read from disk, and lines skipped as unreadable (a write cut short by a kill). */
  readonly loaded: { lines: number; skipped: number } = { lines: 0, skipped: 0 };

  private constructor(readonly dir: string) {}

  /** Opens (and reads) the cache of one model key under a cache root. */
  static open(root: string, modelKey: string): ScoreCache {
    const cache = new ScoreCache(join(root, CACHE_FORMAT, modelKey));
    mkdirSync(cache.dir, { recursive: true });
    for (const name of readdirSync(cache.dir).filter((n) => n.endsWith('.jsonl')).sort()) {
      for (const line of readFileSync(join(cache.dir, name), 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const { t, o } = JSON.parse(line) as { t: string; o: Record<string, number[]> };
          cache.rows.set(t, Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Float32Array.from(v)])));
          cache.loaded.lines++;
        } catch {
          cache.loaded.skipped++;
        }
      }
    }
    return cache;
  }

  get size(): number {
    return this.rows.size;
  }

  get(textHash: string): CachedRow | undefined {
    return this.rows.get(textHash);
  }

  /** Records rows and appends them to this process's segment in one write. */
  put(entries: readonly (readonly [textHash: string, row: CachedRow])[]): void {
    if (!entries.length) return;
    const lines = entries.map(([t, row]) => {
      this.rows.set(t, row);
      return JSON.stringify({ t, o: Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Array.from(v)])) });
    });
    this.segment ??= openSync(join(this.dir, `${Date.now()}-${process.pid}-${randomBytes(4).toString('hex')}.jsonl`), 'a');
    writeSync(this.segment, `${lines.join('\n')}\n`);
  }

  close(): void {
    if (this.segment !== undefined) closeSync(this.segment);
    this.segment = undefined;
  }
}
