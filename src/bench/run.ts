/**
 * @file The run: verify the suite's subset files -> stream their rows in windows -> score every
 * response of a window at once -> decide every item by its subset's metric -> accumulate compact
 * per-subset figures -> aggregate. Memory holds one window of texts, not the suite; outcomes go to
 * `onOutcomes` when given (the CLI streams them to the scores file) or are returned.
 */
import { UserError } from '../errors.js';
import { metricOf } from '../metrics/registry.js';
import { aggregate } from '../report/aggregate.js';
import { confidenceIntervals } from '../report/bootstrap.js';
import { lengthBias } from '../report/length-bias.js';
import { RESULTS_SCHEMA_VERSION, type ItemOutcome, type Results, type RunOutput } from '../report/schema.js';
import { paddingEfficiency } from '../scorers/batching.js';
import { createScorer } from '../scorers/index.js';
import type { ScorerOptions } from '../scorers/options.js';
import type { Scorer } from '../scorers/types.js';
import { selectSubsets, streamSubset, type SubsetSelection } from '../subsets/load.js';
import { dataFingerprint, defaultManifestPath, resolveSuite, type SubsetEntry, type Suite } from '../subsets/manifest.js';
import { rowItem, type Row } from '../subsets/types.js';
import { RMBENCH_VERSION } from '../version.js';
import { SubsetAccumulator, decideSubset, type SubsetSummary } from './evaluate.js';
import { HeapKeeper } from './heap.js';

export const DEFAULT_SUITE = 'rewardbench-v1';
/** Items scored together: the scorer sorts a window's texts by length, so padding stays low. */
export const DEFAULT_WINDOW_ITEMS = 4096;

export interface RunOptions extends SubsetSelection {
  /** A model folder, a remote engine URL, or a baseline name ("length"). */
  model: string;
  /** Options of the model's backend (each backend takes its own; others are an error). */
  scorer?: ScorerOptions;
  /** Score cache root (see src/scorers/cache.ts); no cache when absent. */
  cacheDir?: string;
  onWarning?: (message: string) => void;
  suite?: string;
  /** datasets.manifest.json to read (default: ./datasets.manifest.json if present, else the bundled one). */
  manifest?: string;
  /** Items per scoring window (default 4096). Scores do not depend on it. */
  windowItems?: number;
  /** Called as items are scored: (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Receives outcomes window by window, in suite order; then RunOutput.pairs stays empty. */
  onOutcomes?: (outcomes: readonly ItemOutcome[]) => void;
}

export type { RunOutput };

const seconds = (ms: number) => Math.round(ms) / 1000;

/** Scores, intervals and length bias from per-subset summaries: the one computation behind run and merge. */
export function computeFigures(suite: Suite, summaries: readonly SubsetSummary[]) {
  return {
    ...aggregate(suite.sections, summaries),
    confidence_intervals: confidenceIntervals(
      { subsets: summaries.map((s) => s.entry), sectionWeights: suite.sections },
      summaries.map((s) => s.statistic ?? s.values),
    ),
    length_bias: lengthBias(summaries.map((s) => s.lengths)),
  };
}

/** The suite's scoring notes a run records: the best-of-n tie rule (when it has such subsets) and its overall note. */
export function suiteScoring(suite: Suite, entries: readonly SubsetEntry[], bestOfNTies = suite.best_of_n_ties): Pick<Results, 'best_of_n_ties' | 'overall_note'> {
  return {
    ...(entries.some((e) => metricOf(e.metric).readsBestOfNTies) ? { best_of_n_ties: bestOfNTies ?? 'shared' } : {}),
    ...(suite.overall_note ? { overall_note: suite.overall_note } : {}),
  };
}

interface Segment {
  entry: SubsetEntry;
  rows: Row[];
}

export async function run(options: RunOptions): Promise<RunOutput> {
  const started = performance.now();
  const warnings: string[] = [];
  const onWarning = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const suite = resolveSuite(defaultManifestPath(options.manifest), options.suite ?? DEFAULT_SUITE);
  const entries = selectSubsets(suite, options.subsets);
  if (suite.overall_note) onWarning(`overall: ${suite.overall_note}`);
  // Pass 1, before loading a (possibly large) model: every file's checksum, row count and rows,
  // and how many items the selection keeps.
  const selected = new Map<SubsetEntry, number>();
  for (const entry of entries) {
    let n = 0;
    for await (const rows of streamSubset(suite, entry, options, true)) n += rows.length;
    if (n > 0) selected.set(entry, n);
  }
  const totalItems = [...selected.values()].reduce((a, b) => a + b, 0);
  if (totalItems === 0) throw new UserError(`shard ${options.shard?.index}/${options.shard?.count} of this selection has no items`);

  const scorer: Scorer = await createScorer(options.model, { ...options.scorer, cacheDir: options.cacheDir, onWarning });
  // A judge's tie (equal ratings, [[C]]) is wrong on best-of-n items too; the results record the rule used.
  const bestOfNTies = scorer.tiesWrong ? 'wrong' : suite.best_of_n_ties;
  const loaded = performance.now();
  try {
    const accumulators = new Map([...selected.keys()].map((entry) => [entry, new SubsetAccumulator(entry)]));
    const pairs: ItemOutcome[] = [];
    const summary = scorer.summary?.();
    const windowItems = options.windowItems ?? DEFAULT_WINDOW_ITEMS;
    let window: Segment[] = [];
    let windowSize = 0;
    let done = 0;
    const heap = new HeapKeeper();
    const flush = async () => {
      const inputs = window.flatMap((segment) => segment.rows.map(rowItem));
      const items = await scorer.scoreItems(inputs, (d, t) => options.onProgress?.(done + Math.floor((windowSize * d) / Math.max(t, 1)), totalItems));
      let offset = 0;
      for (const { entry, rows } of window) {
        const decided = decideSubset(scorer, entry, rows, items.slice(offset, (offset += rows.length)), bestOfNTies);
        accumulators.get(entry)!.add(rows, decided.outcomes);
        for (const pair of decided.scored) summary!.add(pair);
        for (const set of decided.sets) summary!.addSet!(set);
        if (options.onOutcomes) options.onOutcomes(decided.outcomes);
        else pairs.push(...decided.outcomes);
      }
      done += windowSize;
      options.onProgress?.(done, totalItems);
      window = [];
      windowSize = 0;
      heap.betweenWindows();
    };
    // Pass 2: stream the rows again, scoring a window of items at a time. The checksum is checked
    // again, through the handle the rows are read from: a file replaced since pass 1 (a concurrent
    // re-import) is refused, never scored under the old fingerprint.
    for (const entry of selected.keys()) {
      for await (const rows of streamSubset(suite, entry, options, true)) {
        const last = window[window.length - 1];
        if (last?.entry === entry) last.rows.push(...rows);
        else window.push({ entry, rows: [...rows] });
        windowSize += rows.length;
        if (windowSize >= windowItems) await flush();
      }
    }
    if (windowSize > 0) await flush();

    const report = summary?.finish();
    const figures = computeFigures(suite, [...accumulators.values()].map((a) => a.finish()));
    const stats = scorer.stats;
    const total = performance.now() - started;
    const partial = options.shard !== undefined || options.limit !== undefined || selected.size !== suite.subsets.length;
    const results: RunOutput['results'] = {
      schema_version: RESULTS_SCHEMA_VERSION,
      rmbench_version: RMBENCH_VERSION,
      created_at: new Date().toISOString(),
      model: scorer.info.model,
      model_type: scorer.info.kind,
      model_path: scorer.info.path ?? null,
      model_sha256: scorer.info.sha256 ?? null,
      chat_template: (scorer.info.config.chat_template as string | null | undefined) ?? null,
      suite: { name: suite.name, version: suite.version },
      partial,
      selection: { subsets: options.subsets?.length ? [...options.subsets] : null, limit: options.limit ?? null, shard: options.shard ?? null },
      config: scorer.info.config,
      ...figures,
      timing: {
        total_s: seconds(total),
        load_s: seconds(loaded - started),
        tokenize_s: seconds(stats.tokenizeMs),
        inference_s: seconds(stats.inferenceMs),
        other_s: seconds(total - (loaded - started) - stats.tokenizeMs - stats.inferenceMs),
        pairs_per_s: totalItems / (total / 1000),
        tokens_per_s: stats.realTokens / (total / 1000),
        responses: stats.responses,
        unique_texts: stats.uniqueTexts,
        unique_inputs: stats.uniqueInputs,
        cached_texts: stats.cachedTexts,
        batches: stats.batches,
        real_tokens: stats.realTokens,
        padded_tokens: stats.paddedTokens,
        padding_efficiency: paddingEfficiency(stats.realTokens, stats.paddedTokens),
      },
      ...(report ? { scorer_report: report.json, ...report.results } : {}),
      data_fingerprint: dataFingerprint(entries),
      ...suiteScoring(suite, [...selected.keys()], bestOfNTies),
      warnings,
    };
    return { results, pairs, report: report?.text ?? [] };
  } finally {
    await scorer.dispose();
  }
}
