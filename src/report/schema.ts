/**
 * @file The results schema (version 1). One results JSON per run, plus a JSONL file of per-pair
 * scores that it names. All accuracies and scores are fractions in [0, 1]. Documented in
 * docs/results.md; bump RESULTS_SCHEMA_VERSION on any incompatible change.
 */

import type { MetricKind } from '../subsets/types.js';

export const RESULTS_SCHEMA_VERSION = 1;

/** One pair's outcome; the scores file has one JSON line of these fields per pair. */
export interface PairOutcome {
  /** `${subset}/${id}` */
  key: string;
  subset: string;
  id: string;
  /** Each response's reward (null for general-preference models, which only score pairs). */
  chosen_score: number | null;
  rejected_score: number | null;
  /** Strict preference of chosen over rejected; an exact tie is not correct. */
  correct: boolean;
  /** The scorer's preference of chosen over rejected (Bradley-Terry: the score difference). */
  margin: number;
  /** Present when humans labelled the two equally good: the pair is not counted in accuracy. */
  tie_label?: true;
  /** Kinds with a scorer_report (ArmoRM, GPM): the outputs it reads, so shards can be merged. */
  chosen_outputs?: Record<string, number[]>;
  rejected_outputs?: Record<string, number[]>;
}

/** One response set's outcome (best-of-n, style-matrix, rb2-ties rows). */
export interface SetOutcome {
  key: string;
  subset: string;
  id: string;
  chosen_scores: (number | null)[];
  rejected_scores: (number | null)[];
  /** The item's value under its metric, in [0, 1] (best-of-n: 1/#maxima or 0; rb2-ties: 1 if accurate). */
  value: number;
  /** Metric parts (style-matrix: hard, normal, easy). */
  details?: Record<string, number>;
  /** Present when some decision in the item was an exact tie of preferences. */
  tie?: true;
}

export type ItemOutcome = PairOutcome | SetOutcome;

/** An item's value in [0, 1]: what subset accuracy averages. */
export const outcomeValue = (o: ItemOutcome): number => ('value' in o ? o.value : o.correct ? 1 : 0);

export interface SubsetResult {
  metric: MetricKind;
  section: string;
  /** Weight within the section (RewardBench v1: its example count; math-prm 984). */
  weight: number;
  /** Items counted (pairs labelled as human ties are not). */
  n: number;
  /** Sum of item values (a count of correct pairs for pairwise subsets; fractional for best-of-n). */
  correct: number;
  /** Items decided by an exact tie of preferences (counted as wrong, or fractionally for best-of-n). */
  ties: number;
  /** The subset score: mean item value, or the RewardBench 2 Ties formula for rb2-ties. */
  accuracy: number;
  /** Pairs excluded because humans labelled them equally good. */
  tie_labels?: number;
  /** Metric parts: style-matrix {hard, normal, easy}; rb2-ties its formula's terms. */
  details?: Record<string, number>;
}

/** A 95% interval (fractions). */
export interface Interval {
  low: number;
  high: number;
}

/** Percentile bootstrap, resampling pairs within each subset, seeded. */
export interface ConfidenceIntervals {
  method: 'bootstrap-percentile';
  resamples: number;
  level: number;
  seed: number;
  subsets: Record<string, Interval>;
  sections: Record<string, Interval>;
  overall: Interval;
}

export const LENGTH_CATEGORIES = ['longer', 'shorter', 'neutral'] as const;
/** Which answer a subset's chosen responses tend to be (RewardBench's length categories). */
export type LengthCategory = (typeof LENGTH_CATEGORIES)[number];

export interface LengthBaselines {
  /** Accuracy of always preferring the longer / the shorter response (equal lengths are ties, wrong). */
  longer: number;
  shorter: number;
}

export interface SubsetLengthBias {
  category: LengthCategory | null;
  /** Lengths in Unicode code points of the bare responses (the same for every model). */
  chars: LengthBaselines;
  /** Pearson correlation of the model's margin with the chosen-minus-rejected length in characters. */
  margin_length_correlation: number | null;
  /** Among pairs of unequal length that the model does not tie: how often it prefers the longer. */
  prefers_longer: number | null;
}

export interface LengthBias {
  subsets: Record<string, SubsetLengthBias>;
  overall: { margin_length_correlation: number | null; prefers_longer: number | null };
  /** Pooled over the pairs of each length category present. */
  categories: Partial<Record<LengthCategory, { subsets: string[]; n: number; accuracy: number; longer_baseline: number }>>;
  /** Set when the model's preferences are mostly explained by length. */
  flag: string | null;
}

export interface Timing {
  total_s: number;
  load_s: number;
  tokenize_s: number;
  inference_s: number;
  /** Everything else: reading data, formatting, batching, aggregation. */
  other_s: number;
  pairs_per_s: number;
  tokens_per_s: number;
  responses: number;
  unique_texts: number;
  unique_inputs: number;
  /** Distinct texts whose scores came from the score cache. */
  cached_texts: number;
  batches: number;
  real_tokens: number;
  padded_tokens: number;
  /** real_tokens / padded_tokens */
  padding_efficiency: number;
}

export interface Results {
  schema_version: typeof RESULTS_SCHEMA_VERSION;
  rmbench_version: string;
  created_at: string;
  /** Model name (folder name or baseline), as in reward-bench's results. */
  model: string;
  /** Scorer kind: bradley-terry, length, ... */
  model_type: string;
  model_path: string | null;
  /** sha256 of the model's ONNX weight files (null for baselines). */
  model_sha256: string | null;
  /** The chat template applied, or null when the plain format was used. */
  chat_template: string | null;
  suite: { name: string; version: string };
  /** True when --subsets, --limit or --shard left pairs out: not comparable with full runs. */
  partial: boolean;
  selection: { subsets: string[] | null; limit: number | null; shard: { index: number; count: number } | null };
  /** Everything that affects the scores (text format, max length, truncation, device, batching). */
  config: Record<string, unknown>;
  subsets: Record<string, SubsetResult>;
  /** Section score = weighted mean of its subsets' accuracies. */
  sections: Record<string, number>;
  /** Weights of the sections in the overall score. */
  section_weights: Record<string, number>;
  overall: number;
  /** Metric parts combined like the scores, where every subset of a section has them (RM-Bench hard/normal/easy). */
  section_details?: Record<string, Record<string, number>>;
  overall_details?: Record<string, number>;
  confidence_intervals: ConfidenceIntervals;
  length_bias: LengthBias;
  /** Per-pair scores (JSONL of PairOutcome), relative to this results file. */
  scores_file: string;
  timing: Timing;
  /** Kind-specific additions (e.g. ArmoRM per-objective accuracy); absent when the kind has none. */
  scorer_report?: Record<string, unknown>;
  warnings: string[];
}
