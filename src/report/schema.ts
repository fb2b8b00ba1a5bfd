/**
 * @file The results schema (version 1). One results JSON per run, plus a JSONL file of per-pair
 * scores that it names. All accuracies and scores are fractions in [0, 1]. Documented in
 * docs/results.md; bump RESULTS_SCHEMA_VERSION on any incompatible change.
 */

import { z } from 'zod';
import { METRIC_KINDS, type MetricKind } from '../subsets/types.js';

export const RESULTS_SCHEMA_VERSION = 1;

/** How a best-of-n item with the chosen tied at the top is credited (the suite's `best_of_n_ties`). */
export const BEST_OF_N_TIES = ['shared', 'wrong'] as const;
export type BestOfNTies = (typeof BEST_OF_N_TIES)[number];

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
  /** The item's value under its metric, in [0, 1] (best-of-n: 1, 1/#maxima or 0 by the tie rule; rb2-ties: 1 if accurate). */
  value: number;
  /** Metric parts (style-matrix: hard, normal, easy). */
  details?: Record<string, number>;
  /** Present when some decision in the item was an exact tie of preferences. */
  tie?: true;
  /** Kinds whose scorer_report counts sets (a rating judge): each response's outputs, so shards can be merged. */
  chosen_outputs?: Record<string, number[]>[];
  rejected_outputs?: Record<string, number[]>[];
  /** Pair kinds whose scorer_report counts sets (a pairwise judge): per (chosen c, rejected r), row-major, its two orders' outputs (c first, r first). */
  pair_outputs?: [Record<string, number[]>, Record<string, number[]>][];
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
  /** Items decided by an exact tie of preferences, credited by the metric's rule (its tieRule in src/metrics). */
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
  /** LLM judges only (docs/judges.md): answers, invalid answers, ties, inconsistent pairs, position bias, tokens, cost. */
  judge?: JudgeResults;
  /**
   * sha256 over the sorted (subset name, file sha256) pairs of the manifest entries the run read
   * (data-fingerprint.ts); absent in results written before rmbench recorded it.
   */
  data_fingerprint?: string;
  /** Best-of-n subsets only: a tie at the top shares the credit (1/(1+k)) or is wrong; absent = shared. */
  best_of_n_ties?: BestOfNTies;
  /** What the overall score covers when it is not the benchmark's own overall (the suite's `overall_note`). */
  overall_note?: string;
  warnings: string[];
}

/** `results.judge`: integer counts summed over the run (merge: over its shards). */
export interface JudgeResults {
  requests: number;
  invalid: number;
  ties: number;
  inconsistent: number;
  /** Of the pairwise answers naming A or B, the fraction naming A; null without any. */
  position_a_rate: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  /** USD at --price-in/--price-out per million tokens; null without prices. */
  cost_usd: number | null;
}

// ---------------------------------------------------------------------------------------------
// Validation of files read back (report, gate, leaderboard, merge): every field a reader uses is
// checked, so a hand-edited or corrupted file is refused with the field named, never rendered or
// compared as a wrong number. Unknown fields are dropped.

const fraction = z.number().min(0).max(1);
const count = z.number().int().nonnegative();
const text = z.string();
const numbers = z.record(z.string(), z.number());
const IntervalSchema = z.object({ low: fraction, high: fraction });

const SubsetResultSchema = z
  .object({
    metric: z.enum(METRIC_KINDS),
    section: text,
    weight: z.number().positive(),
    n: z.number().int().positive(),
    correct: z.number().nonnegative(),
    ties: count,
    accuracy: fraction,
    tie_labels: count.optional(),
    details: numbers.optional(),
  })
  .refine((s) => s.correct <= s.n, { message: 'correct exceeds n', path: ['correct'] })
  .refine((s) => s.ties <= s.n, { message: 'ties exceed n', path: ['ties'] });

const SubsetLengthBiasSchema = z.object({
  category: z.enum(LENGTH_CATEGORIES).nullable(),
  chars: z.object({ longer: fraction, shorter: fraction }),
  margin_length_correlation: z.number().min(-1).max(1).nullable(),
  prefers_longer: fraction.nullable(),
});

const LengthBiasSchema = z.object({
  subsets: z.record(z.string(), SubsetLengthBiasSchema),
  overall: z.object({ margin_length_correlation: z.number().min(-1).max(1).nullable(), prefers_longer: fraction.nullable() }),
  categories: z.partialRecord(z.enum(LENGTH_CATEGORIES), z.object({ subsets: z.array(text), n: count, accuracy: fraction, longer_baseline: fraction })),
  flag: text.nullable(),
});

const TimingSchema = z.object({
  total_s: z.number(),
  load_s: z.number(),
  tokenize_s: z.number(),
  inference_s: z.number(),
  other_s: z.number(),
  pairs_per_s: z.number(),
  tokens_per_s: z.number(),
  responses: count,
  unique_texts: count,
  unique_inputs: count,
  cached_texts: count,
  batches: count,
  real_tokens: count,
  padded_tokens: count,
  padding_efficiency: z.number(),
});

export const ResultsSchema = z
  .object({
    schema_version: z.literal(RESULTS_SCHEMA_VERSION),
    rmbench_version: text,
    created_at: text,
    model: text,
    model_type: text,
    model_path: text.nullable(),
    model_sha256: text.nullable(),
    chat_template: text.nullable(),
    suite: z.object({ name: text, version: text }),
    partial: z.boolean(),
    selection: z.object({
      subsets: z.array(text).nullable(),
      limit: z.number().int().positive().nullable(),
      shard: z.object({ index: z.number().int().positive(), count: z.number().int().positive() }).nullable(),
    }),
    config: z.record(z.string(), z.unknown()),
    subsets: z.record(z.string(), SubsetResultSchema).refine((s) => Object.keys(s).length > 0, 'no subsets'),
    sections: z.record(z.string(), fraction),
    section_weights: z.record(z.string(), z.number().nonnegative()),
    overall: fraction,
    section_details: z.record(z.string(), numbers).optional(),
    overall_details: numbers.optional(),
    confidence_intervals: z.object({
      method: z.literal('bootstrap-percentile'),
      resamples: z.number().int().positive(),
      level: z.number().gt(0).lt(1),
      seed: z.number().int(),
      subsets: z.record(z.string(), IntervalSchema),
      sections: z.record(z.string(), IntervalSchema),
      overall: IntervalSchema,
    }),
    length_bias: LengthBiasSchema,
    scores_file: text.min(1),
    timing: TimingSchema,
    scorer_report: z.record(z.string(), z.unknown()).optional(),
    judge: z
      .object({ requests: count, invalid: count, ties: count, inconsistent: count, position_a_rate: fraction.nullable(), prompt_tokens: count, completion_tokens: count, cost_usd: z.number().nonnegative().nullable() })
      .optional(),
    data_fingerprint: text.regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256').optional(),
    best_of_n_ties: z.enum(BEST_OF_N_TIES).optional(),
    overall_note: text.optional(),
    warnings: z.array(text),
  })
  .superRefine((r, ctx) => {
    // Every section a subset names is scored, weighed and has an interval, and every scored section has a subset.
    const used = new Set(Object.values(r.subsets).map((s) => s.section));
    for (const [name, s] of Object.entries(r.subsets)) {
      for (const [field, record] of [['sections', r.sections], ['section_weights', r.section_weights], ['confidence_intervals.sections', r.confidence_intervals.sections]] as const) {
        if (!(s.section in record)) ctx.addIssue({ code: 'custom', path: ['subsets', name, 'section'], message: `section "${s.section}" is missing from ${field}` });
      }
      if (!(name in r.confidence_intervals.subsets)) ctx.addIssue({ code: 'custom', path: ['confidence_intervals', 'subsets'], message: `no interval for subset "${name}"` });
    }
    for (const name of Object.keys(r.sections)) if (!used.has(name)) ctx.addIssue({ code: 'custom', path: ['sections', name], message: 'no subset belongs to this section' });
  }) satisfies z.ZodType<Results>;

const savedOutputs = z.record(z.string(), z.array(z.number()));

const keyOfItem = { message: 'key is not subset/id', path: ['key'] };

const PairOutcomeSchema = z
  .object({
    key: text,
    subset: text,
    id: text,
    chosen_score: z.number().nullable(),
    rejected_score: z.number().nullable(),
    correct: z.boolean(),
    margin: z.number(),
    tie_label: z.literal(true).optional(),
    chosen_outputs: z.record(z.string(), z.array(z.number())).optional(),
    rejected_outputs: z.record(z.string(), z.array(z.number())).optional(),
  })
  .refine((o) => o.key === `${o.subset}/${o.id}`, keyOfItem)
  .refine((o) => o.correct === o.margin > 0, { message: 'correct disagrees with margin (correct iff margin > 0)', path: ['correct'] }) satisfies z.ZodType<PairOutcome>;

const SetOutcomeSchema = z
  .object({
    key: text,
    subset: text,
    id: text,
    chosen_scores: z.array(z.number().nullable()),
    rejected_scores: z.array(z.number().nullable()),
    value: fraction,
    details: numbers.optional(),
    tie: z.literal(true).optional(),
    chosen_outputs: z.array(savedOutputs).optional(),
    rejected_outputs: z.array(savedOutputs).optional(),
    pair_outputs: z.array(z.tuple([savedOutputs, savedOutputs])).optional(),
  })
  .refine((o) => o.key === `${o.subset}/${o.id}`, keyOfItem) satisfies z.ZodType<SetOutcome>;

/** The schema of one scores-file line: a response set when it has `value`, else a pair. */
export const itemOutcomeSchema = (line: unknown) => (typeof line === 'object' && line !== null && 'value' in line ? SetOutcomeSchema : PairOutcomeSchema);

/** What a run returns before it is written: the results, every item's outcome, the scorer's summary. */
export interface RunOutput {
  /** Results without scores_file, which the writer fills in. */
  results: Omit<Results, 'scores_file'>;
  /** One outcome per item (pair or response set), in suite order (empty when onOutcomes took them). */
  pairs: ItemOutcome[];
  /** The scorer's own summary lines, for the terminal. */
  report: string[];
}
