/**
 * @file The one scorer interface. Every scorer kind (Bradley-Terry, the length baseline, and the
 * multi-objective and general-preference kinds) implements it; the bench knows nothing else.
 */
import type { Prompt } from '../subsets/types.js';

export interface ResponseInput {
  prompt: Prompt;
  response: string;
}

/**
 * Named outputs for one response. Kinds with a per-response reward (Bradley-Terry, ArmoRM, the
 * baselines) set `score`; general-preference models, which only score pairs, leave it out.
 */
export interface ResponseOutputs {
  score?: number;
}

/** A decided pair with both responses' outputs, for kind-specific summaries. */
export interface ScoredPair<O extends ResponseOutputs = ResponseOutputs> {
  subset: string;
  section: string;
  chosen: O;
  rejected: O;
}

/** A response's outputs as stored in the scores file (float32 values are exact as JSON numbers). */
export type SavedOutputs = Record<string, number[]>;

/** A kind-specific addition to the results (e.g. ArmoRM's per-objective accuracy). */
export interface ScorerReport {
  /** Stored as results.scorer_report. */
  json: Record<string, unknown>;
  /** Lines printed under the terminal table. */
  text: string[];
}

/** What a scorer did, for the results' config and timing sections. */
export interface ScorerStats {
  /** Responses asked for, distinct formatted texts, distinct model inputs actually run. */
  responses: number;
  uniqueTexts: number;
  uniqueInputs: number;
  /** Distinct texts whose outputs came from the score cache (neither tokenised nor run). */
  cachedTexts: number;
  batches: number;
  /** Tokens in the model inputs, and tokens computed including padding. */
  realTokens: number;
  paddedTokens: number;
  tokenizeMs: number;
  inferenceMs: number;
}

export interface ScorerInfo {
  /** Scorer kind, e.g. "bradley-terry" or "length". */
  kind: string;
  /** Model name (folder name or baseline name). */
  model: string;
  /** Absolute model folder, when there is one. */
  path?: string;
  /** sha256 of the model's weight files, when there are any. */
  sha256?: string;
  /** Everything that affects the scores: text format, template, max length, truncation, device... */
  config: Record<string, unknown>;
}

export interface Scorer<O extends ResponseOutputs = ResponseOutputs> {
  readonly info: ScorerInfo;
  readonly stats: ScorerStats;
  /**
   * One output record per input, in input order. Identical inputs get identical outputs, whatever
   * the batch they fall in. onProgress reports responses done out of the total.
   */
  scoreResponses(inputs: readonly ResponseInput[], onProgress?: (done: number, total: number) => void): Promise<O[]>;
  /** > 0 when a is preferred over b, < 0 when b is, 0 for a tie; prefer(a, b) = -prefer(b, a). */
  prefer(a: O, b: O): number;
  /** Optional summary over all decided pairs, added to the results. */
  summarize?(pairs: readonly ScoredPair<O>[]): ScorerReport;
  /**
   * With summarize: the outputs it reads, as plain numbers. They are stored in the scores file beside
   * each pair, so `rmbench merge` rebuilds the summary of sharded runs (src/scorers/reports.ts).
   */
  reportOutputs?(outputs: O): SavedOutputs;
  dispose(): Promise<void>;
}

export const emptyStats = (): ScorerStats => ({
  responses: 0,
  uniqueTexts: 0,
  uniqueInputs: 0,
  cachedTexts: 0,
  batches: 0,
  realTokens: 0,
  paddedTokens: 0,
  tokenizeMs: 0,
  inferenceMs: 0,
});
