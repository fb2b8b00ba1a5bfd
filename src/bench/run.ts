/**
 * @file The run: load a suite's subsets -> score every response once -> decide every item by its
 * subset's metric -> aggregate. Returns the results and per-pair outcomes; writing them is the report's job.
 */
import { UserError } from '../errors.js';
import { aggregate } from '../report/aggregate.js';
import { confidenceIntervals } from '../report/bootstrap.js';
import { lengthBias } from '../report/length-bias.js';
import { RESULTS_SCHEMA_VERSION, type ItemOutcome, type Results } from '../report/schema.js';
import { paddingEfficiency } from '../scorers/batching.js';
import { createScorer } from '../scorers/index.js';
import type { OnnxModelOptions } from '../scorers/onnx-model.js';
import type { ResponseInput, Scorer } from '../scorers/types.js';
import { loadSubsets, type SubsetSelection } from '../subsets/load.js';
import { defaultManifestPath, resolveSuite, type SubsetEntry, type Suite } from '../subsets/manifest.js';
import type { Row } from '../subsets/types.js';
import { RMBENCH_VERSION } from '../version.js';
import { decideSubset, rowResponses, summarizeSubset } from './evaluate.js';

export const DEFAULT_SUITE = 'rewardbench-v1';

export interface RunOptions extends OnnxModelOptions, SubsetSelection {
  /** A model folder, or a baseline name ("length"). */
  model: string;
  suite?: string;
  /** datasets.manifest.json to read (default: ./datasets.manifest.json if present, else the bundled one). */
  manifest?: string;
  /** Called as responses are scored: (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface RunOutput {
  /** Results without scores_file, which the writer fills in. */
  results: Omit<Results, 'scores_file'>;
  /** One outcome per item (pair or response set), in suite order. */
  pairs: ItemOutcome[];
  /** The scorer's own summary lines, for the terminal. */
  report: string[];
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/** A subset's outcomes with its rows, in file order. */
export interface SubsetOutcomeRows {
  entry: SubsetEntry;
  rows: readonly Row[];
  outcomes: readonly ItemOutcome[];
}

/** Scores, intervals and length bias from outcomes: the one computation behind run and merge. */
export function computeFigures(suite: Suite, subsets: readonly SubsetOutcomeRows[]) {
  const summaries = subsets.map(({ entry, rows, outcomes }) => summarizeSubset(entry, rows, outcomes));
  return {
    ...aggregate(suite.sections, summaries),
    confidence_intervals: confidenceIntervals(
      { subsets: summaries.map((s) => s.entry), sectionWeights: suite.sections },
      summaries.map((s) => s.statistic ?? s.values),
    ),
    length_bias: lengthBias(summaries.flatMap((s) => s.lengths)),
  };
}

export async function run(options: RunOptions): Promise<RunOutput> {
  const started = performance.now();
  const warnings: string[] = [];
  const onWarning = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const suite = resolveSuite(defaultManifestPath(options.manifest), options.suite ?? DEFAULT_SUITE);
  // Validate all data before loading a (possibly large) model.
  const subsets = loadSubsets(suite, options).filter((s) => s.rows.length > 0);
  if (subsets.length === 0) throw new UserError(`shard ${options.shard?.index}/${options.shard?.count} of this selection has no items`);
  const scorer: Scorer = await createScorer(options.model, { ...options, onWarning });
  const loaded = performance.now();
  try {
    const inputs: ResponseInput[] = subsets.flatMap(({ rows }) => rows.flatMap(rowResponses));
    const outputs = await scorer.scoreResponses(inputs, options.onProgress);
    let offset = 0;
    const decided = subsets.map(({ entry, rows }) => {
      const count = rows.reduce((n, row) => n + rowResponses(row).length, 0);
      const { outcomes, scored } = decideSubset(scorer, entry, rows, outputs.slice(offset, offset + count));
      offset += count;
      return { entry, rows, outcomes, scored };
    });
    const pairs = decided.flatMap((d) => d.outcomes);
    const report = scorer.summarize?.(decided.flatMap((d) => d.scored));
    const figures = computeFigures(suite, decided);
    const stats = scorer.stats;
    const total = performance.now() - started;
    const partial = options.shard !== undefined || subsets.length !== suite.subsets.length || subsets.some((s) => s.rows.length !== s.totalRows);
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
        pairs_per_s: pairs.length / (total / 1000),
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
      ...(report ? { scorer_report: report.json } : {}),
      warnings,
    };
    return { results, pairs, report: report?.text ?? [] };
  } finally {
    await scorer.dispose();
  }
}
