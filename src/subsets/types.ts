/** @file The row types every benchmark format is read into. */

export interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A single user turn, or a conversation that ends with a user turn. */
export type Prompt = string | readonly Message[];

/**
 * How a subset's rows are scored (docs/metrics.md): `pairwise` rows are pairs; the others are
 * sets of responses: `best-of-n` (one chosen, n rejected), `style-matrix` (RM-Bench: k chosen and k
 * rejected style variants), `rb2-ties` (RewardBench 2 Ties: ids ref:<pid> / tied:<pid>).
 */
export const METRIC_KINDS = ['pairwise', 'best-of-n', 'style-matrix', 'rb2-ties'] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

/** One preference pair: the chosen response should score above the rejected one. */
export interface PairRow {
  /** Unique within its subset; rows are keyed by `${subset}/${id}`. */
  id: string;
  subset: string;
  prompt: Prompt;
  chosen: string;
  rejected: string;
  /** Human label "equally good" (Auto-J label 2, PandaLM 0): not counted in accuracy. */
  tie?: boolean;
  /**
   * Which of the original two responses was chosen, where the data keeps its A/B order (label
   * imports): read only by `rmbench data audit` for the pick-by-position baseline.
   */
  chosen_position?: 'A' | 'B';
}

/**
 * Several responses per prompt (best-of-N, RM-Bench style variants, RewardBench 2 Ties):
 * `chosen` are the correct or preferred ones, `rejected` the others.
 */
export interface SetRow {
  id: string;
  subset: string;
  prompt: Prompt;
  chosen: readonly string[];
  rejected: readonly string[];
}

export type Row = PairRow | SetRow;

export const isSetRow = (row: Row): row is SetRow => Array.isArray(row.chosen);

export const pairKey = (row: Pick<PairRow, 'subset' | 'id'>): string => `${row.subset}/${row.id}`;

/** The prompt as a message list (a plain string is one user turn). */
export function promptMessages(prompt: Prompt): readonly Message[] {
  return typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt;
}

/** What a row asks a scorer to decide: its prompt with the chosen and rejected responses (a pair: one of each). */
export function rowItem(row: Row): { prompt: Prompt; chosen: readonly string[]; rejected: readonly string[] } {
  return isSetRow(row) ? { prompt: row.prompt, chosen: row.chosen, rejected: row.rejected } : { prompt: row.prompt, chosen: [row.chosen], rejected: [row.rejected] };
}
