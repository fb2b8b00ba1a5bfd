/**
 * @file The run: load a suite's subsets -> score every response once -> decide every pair ->
 * aggregate. Returns the results and per-pair outcomes; writing them is the report's job.
 */
import { UserError } from '../errors.js';
import { aggregate } from '../report/aggregate.js';
import { confidenceIntervals } from '../report/bootstrap.js';
import { lengthBias, type LengthPair } from '../report/length-bias.js';
import { RESULTS_SCHEMA_VERSION, type PairOutcome, type Results } from '../report/schema.js';
import { paddingEfficiency } from '../scorers/batching.js';
import { createScorer } from '../scorers/index.js';
import { codePointLength } from '../scorers/length.js';
import type { OnnxModelOptions } from '../scorers/onnx-model.js';
import type { ResponseInput, ScoredPair, Scorer } from '../scorers/types.js';
import { loadSubsets, type SubsetSelection } from '../subsets/load.js';
import { defaultManifestPath, resolveSuite } from '../subsets/manifest.js';
import { pairKey } from '../subsets/types.js';
import { RMBENCH_VERSION } from '../version.js';

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
  pairs: PairOutcome[];
  /** The scorer's own summary lines, for the terminal. */
  report: string[];
}

const seconds = (ms: number) => Math.round(ms) / 1000;

export async function run(options: RunOptions): Promise<RunOutput> {
  const started = performance.now();
  const warnings: string[] = [];
  const onWarning = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const suite = resolveSuite(defaultManifestPath(options.manifest), options.suite ?? DEFAULT_SUITE);
  // Validate all data before loading a (possibly large) model.
  const subsets = loadSubsets(suite, options);
  const scorer: Scorer = await createScorer(options.model, { ...options, onWarning });
  const loaded = performance.now();
  try {
    const inputs: ResponseInput[] = [];
    for (const { rows } of subsets) {
      for (const row of rows) inputs.push({ prompt: row.prompt, response: row.chosen }, { prompt: row.prompt, response: row.rejected });
    }
    const outputs = await scorer.scoreResponses(inputs, options.onProgress);

    const pairs: PairOutcome[] = [];
    const scored: ScoredPair[] = [];
    const lengths: LengthPair[] = [];
    const perSubset = subsets.map(({ entry, rows }) => {
      let ties = 0;
      const outcomes = rows.map((row) => {
        const i = pairs.length * 2;
        const chosen = outputs[i]!;
        const rejected = outputs[i + 1]!;
        const margin = scorer.prefer(chosen, rejected);
        const finite = (x: number | undefined) => x === undefined || Number.isFinite(x);
        if (!Number.isFinite(margin) || !finite(chosen.score) || !finite(rejected.score)) {
          throw new UserError(
            `${scorer.info.model}: non-finite score for pair ${pairKey(row)} (chosen ${chosen.score}, rejected ${rejected.score}, preference ${margin}); check the model's outputs`,
          );
        }
        if (margin === 0) ties++;
        const outcome: PairOutcome = {
          key: pairKey(row),
          subset: row.subset,
          id: row.id,
          chosen_score: chosen.score ?? null,
          rejected_score: rejected.score ?? null,
          correct: margin > 0,
          margin,
        };
        scored.push({ subset: entry.name, section: entry.section, chosen, rejected });
        lengths.push({
          subset: entry.name,
          category: entry.length_category ?? null,
          chosenChars: codePointLength(row.chosen),
          rejectedChars: codePointLength(row.rejected),
          margin,
          correct: margin > 0,
        });
        pairs.push(outcome);
        return outcome;
      });
      return { entry, outcomes, ties };
    });
    const scores = aggregate(suite.sections, perSubset);
    const intervals = confidenceIntervals(
      { subsets: perSubset.map((s) => s.entry), sectionWeights: suite.sections },
      perSubset.map((s) => Uint8Array.from(s.outcomes, (o) => (o.correct ? 1 : 0))),
    );
    const report = scorer.summarize?.(scored);
    const stats = scorer.stats;
    const total = performance.now() - started;
    const partial = subsets.length !== suite.subsets.length || subsets.some((s) => s.rows.length !== s.totalRows);
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
      selection: { subsets: options.subsets?.length ? [...options.subsets] : null, limit: options.limit ?? null },
      config: scorer.info.config,
      ...scores,
      confidence_intervals: intervals,
      length_bias: lengthBias(lengths),
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
