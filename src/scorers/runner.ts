/**
 * @file The one runner over every backend: format each input and run each distinct text once
 * (dedup), take what the score cache already has, encode the rest (tokenise, for graph backends),
 * run each distinct model input once, in the backend's batches with up to `concurrency` in
 * flight, write every batch to the cache as it lands (a killed run resumes from there), and count
 * it all in the stats. Identical inputs get bit-identical outputs whatever batch they fall in.
 */
import { ScoreCache, sha256Hex, type CachedRow } from './cache.js';
import { runPool } from './pool.js';
import { emptyStats, type Backend, type OutputRow, type ScoreInput, type ScorerStats } from './types.js';

export interface RunnerOptions {
  /** Score cache root; no cache when absent (or when the backend has no cache key). */
  cacheDir?: string;
  onWarning?: (message: string) => void;
}

export class Runner<U> {
  readonly stats: ScorerStats = emptyStats();
  private readonly caches = new Map<string, ScoreCache>();
  /** With backend.rememberOutputs: the outputs of every text met so far (run or cached), by text key. */
  private readonly remembered = new Map<string, OutputRow>();

  constructor(
    readonly backend: Backend<U>,
    private readonly options: RunnerOptions = {},
  ) {}

  /** The cache for a set of outputs (one per distinct key, opened on first use). */
  private cacheFor(outputs: readonly string[]): ScoreCache | undefined {
    if (!this.options.cacheDir || !this.backend.cacheKey) return undefined;
    const { key, widths } = this.backend.cacheKey(outputs);
    let cache = this.caches.get(key);
    if (!cache) {
      cache = ScoreCache.open(this.options.cacheDir, key, { names: outputs, ...(widths ? { widths } : {}) });
      if (cache.loaded.corrupt) {
        this.options.onWarning?.(`score cache ${cache.dir}: ${cache.loaded.corrupt} corrupt line(s) (checksum, values or width wrong) ignored; their texts are scored again`);
      }
      this.caches.set(key, cache);
    }
    return cache;
  }

  /**
   * Distinct texts are encoded once and distinct model inputs run once; texts already in the cache
   * are neither encoded nor run.
   */
  private encode(inputs: readonly ScoreInput[], cache: ScoreCache | undefined) {
    const backend = this.backend;
    const textIndex = new Map<string, number>();
    /** Per distinct text: a cached row, or the index of the unit to run. */
    const textSource: (CachedRow | number)[] = [];
    const unitIndex = new Map<string, number>();
    const units: U[] = [];
    /** Per unit: the hashes of the texts it stands for (to fill the cache). */
    const unitTexts: string[][] = [];
    /** Per unit: the text keys it stands for (to remember). */
    const unitTextKeys: string[][] = [];
    const remember = backend.rememberOutputs === true;
    let cachedTexts = 0;
    const textOf = inputs.map((input) => {
      const textKey = backend.textKey(input);
      let t = textIndex.get(textKey);
      if (t !== undefined) return t;
      t = textIndex.size;
      textIndex.set(textKey, t);
      const kept = this.remembered.get(textKey);
      if (kept) {
        textSource.push(kept);
        return t;
      }
      const hash = cache ? sha256Hex(textKey) : '';
      const cached = cache?.get(hash);
      if (cached) {
        if (remember) this.remembered.set(textKey, cached);
        textSource.push(cached);
        cachedTexts++;
        return t;
      }
      const unit = backend.encode(input, textKey);
      const key = backend.unitKey(unit);
      let u = unitIndex.get(key);
      if (u === undefined) {
        u = units.length;
        unitIndex.set(key, u);
        units.push(unit);
        unitTexts.push([]);
        if (remember) unitTextKeys.push([]);
      }
      unitTexts[u]!.push(hash);
      if (remember) unitTextKeys[u]!.push(textKey);
      textSource.push(u);
      return t;
    });
    return { units, unitTexts, unitTextKeys, textOf, textSource, uniqueTexts: textIndex.size, cachedTexts };
  }

  /** The named outputs for every input, one row per input, in order. */
  async run(inputs: readonly ScoreInput[], outputs: readonly string[], onProgress?: (done: number, total: number) => void): Promise<OutputRow[]> {
    const t0 = performance.now();
    const cache = this.cacheFor(outputs);
    const { units, unitTexts, unitTextKeys, textOf, textSource, uniqueTexts, cachedTexts } = this.encode(inputs, cache);
    const stats = this.stats;
    stats.tokenizeMs += performance.now() - t0;
    stats.responses += inputs.length;
    stats.uniqueTexts += uniqueTexts;
    stats.uniqueInputs += units.length;
    stats.cachedTexts += cachedTexts;

    const rows: OutputRow[] = new Array(units.length);
    const batches = this.backend.plan(units);
    let done = 0;
    await runPool(batches.length, this.backend.concurrency, async (index) => {
      const batch = batches[index]!;
      const result = await this.backend.runBatch(batch.map((u) => units[u]!), outputs);
      stats.inferenceMs += result.inferenceMs;
      stats.batchMs.push(result.inferenceMs);
      stats.realTokens += result.realTokens;
      stats.paddedTokens += result.paddedTokens;
      stats.batches += 1;
      batch.forEach((u, b) => (rows[u] = result.rows[b]!));
      if (unitTextKeys.length) for (const u of batch) for (const textKey of unitTextKeys[u]!) this.remembered.set(textKey, rows[u]!);
      // Written after every batch: a run killed now resumes from here.
      cache?.put(batch.flatMap((u) => unitTexts[u]!.map((hash) => [hash, rows[u]!] as const)));
      done += batch.length;
      onProgress?.(done, units.length);
    });
    return textOf.map((t) => {
      const source = textSource[t]!;
      return typeof source === 'number' ? rows[source]! : source;
    });
  }

  async dispose(): Promise<void> {
    for (const cache of this.caches.values()) cache.close();
    await this.backend.dispose();
  }
}
