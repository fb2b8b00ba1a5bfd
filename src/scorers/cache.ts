/**
 * @file The score cache: a model's outputs per formatted text, on disk, so a second run of the
 * same model computes nothing, a suite sharing texts with another reuses them, and a killed run
 * resumes where it stopped.
 *
 * Layout: <root>/v2/<model key>/<segment>.jsonl, one line per text:
 *   {"t": text hash, "o": {output: [values]}, "c": checksum of t and o}.
 * The model key hashes everything that affects outputs (weights' sha256, the tokenizer files
 * tokenizer.json, tokenizer_config.json and special_tokens_map.json with the version of rmbench's
 * text -> tokens logic, scorer config, outputs, device); the text hash covers the exact text the
 * model reads (and its prompt input, if any).
 * Each process appends only to its own new segment, so concurrent runs never write the same file;
 * readers merge all segments. Values are float32 printed as the shortest decimal that parses back
 * to the same value, so cached outputs are bit-identical.
 *
 * Only what can be trusted is used: a non-finite output is never written (a rerun recomputes it and
 * fails the same way), and a line is used only if it parses, its checksum matches, it has exactly
 * the cache's outputs, every value is a finite float32, and each output has one width throughout.
 * Anything else is recomputed: a line cut short by a kill is `skipped`, any other bad line `corrupt`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';

export const CACHE_FORMAT = 'v2';

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

type StoredValues = Record<string, number[]>;

/** The checksum of a line: over the text hash and the values as JSON writes them. */
const checksum = (t: string, o: StoredValues): string => sha256Hex(`${t}\n${JSON.stringify(o)}`).slice(0, 16);

const isFloat32 = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && Math.fround(x) === x;
const allFinite = (row: CachedRow): boolean => Object.values(row).every((values) => values.every(Number.isFinite));

export interface CacheOutputs {
  /** The outputs every line holds (those the model key was made for). */
  names: readonly string[];
  /** Values per response of each output, where the graph declares it; others must agree across lines. */
  widths?: Readonly<Record<string, number | undefined>>;
}

/** A file-system error on the cache folder as a UserError naming it. */
function cacheError(dir: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way of the cache folder' : (err as Error).message;
  return new UserError(`score cache ${dir}: cannot use it (${why}); pass another --cache-dir, or --no-cache`, { cause: err });
}

export class ScoreCache {
  private readonly rows = new Map<string, CachedRow>();
  private readonly widths = new Map<string, number>();
  private segment: number | undefined;
  /** Lines used; lines skipped as unreadable (a write cut short by a kill); lines refused as corrupt. */
  readonly loaded: { lines: number; skipped: number; corrupt: number } = { lines: 0, skipped: 0, corrupt: 0 };

  private constructor(
    readonly dir: string,
    private readonly outputs: CacheOutputs,
  ) {
    for (const [name, width] of Object.entries(outputs.widths ?? {})) if (width !== undefined) this.widths.set(name, width);
  }

  /** Opens (and reads) the cache of one model key under a cache root. */
  static open(root: string, modelKey: string, outputs: CacheOutputs): ScoreCache {
    const cache = new ScoreCache(join(root, CACHE_FORMAT, modelKey), outputs);
    let segments: string[];
    try {
      mkdirSync(cache.dir, { recursive: true });
      // Segments are files; anything else in the folder is not the cache's.
      segments = readdirSync(cache.dir, { withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith('.jsonl'))
        .map((e) => e.name)
        .sort();
    } catch (err) {
      throw cacheError(root, err);
    }
    for (const name of segments) {
      let content: string;
      try {
        content = readFileSync(join(cache.dir, name), 'utf8');
      } catch (err) {
        throw cacheError(join(cache.dir, name), err);
      }
      for (const line of content.split('\n')) if (line) cache.read(line);
    }
    return cache;
  }

  private read(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.loaded.skipped++;
      return;
    }
    const row = this.validRow(parsed);
    if (!row) {
      this.loaded.corrupt++;
      return;
    }
    this.rows.set((parsed as { t: string }).t, row);
    this.loaded.lines++;
  }

  /** The row of a parsed line, or undefined when anything about it is wrong. */
  private validRow(line: unknown): CachedRow | undefined {
    if (typeof line !== 'object' || line === null) return undefined;
    const { t, o, c } = line as { t?: unknown; o?: unknown; c?: unknown };
    if (typeof t !== 'string' || typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
    const values = o as Record<string, unknown>;
    const names = this.outputs.names;
    if (Object.keys(values).length !== names.length || !names.every((n) => Array.isArray(values[n]) && (values[n] as unknown[]).length > 0 && (values[n] as unknown[]).every(isFloat32))) {
      return undefined;
    }
    if (c !== checksum(t, values as StoredValues)) return undefined;
    if (!names.every((n) => this.fitsWidth(n, (values[n] as number[]).length))) return undefined;
    return Object.fromEntries(names.map((n) => [n, Float32Array.from(values[n] as number[])]));
  }

  /** Whether an output's width agrees with the declared one, or with the first seen. */
  private fitsWidth(name: string, width: number): boolean {
    const known = this.widths.get(name);
    if (known === undefined) this.widths.set(name, width);
    return known === undefined || known === width;
  }

  get size(): number {
    return this.rows.size;
  }

  get(textHash: string): CachedRow | undefined {
    return this.rows.get(textHash);
  }

  /** Records rows and appends them to this process's segment in one write; rows with a non-finite value are not kept. */
  put(entries: readonly (readonly [textHash: string, row: CachedRow])[]): void {
    const lines = entries
      .filter(([, row]) => allFinite(row))
      .map(([t, row]) => {
        this.rows.set(t, row);
        const o = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Array.from(v)]));
        return JSON.stringify({ t, o, c: checksum(t, o) });
      });
    if (!lines.length) return;
    try {
      this.segment ??= openSync(join(this.dir, `${Date.now()}-${process.pid}-${randomBytes(4).toString('hex')}.jsonl`), 'a');
      writeSync(this.segment, `${lines.join('\n')}\n`);
    } catch (err) {
      throw cacheError(this.dir, err);
    }
  }

  close(): void {
    if (this.segment !== undefined) closeSync(this.segment);
    this.segment = undefined;
  }
}
