/** @file The row types every benchmark format is read into. */

export interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A single user turn, or a conversation that ends with a user turn. */
export type Prompt = string | readonly Message[];

/** One preference pair: the chosen response should score above the rejected one. */
export interface PairRow {
  /** Unique within its subset; rows are keyed by `${subset}/${id}`. */
  id: string;
  subset: string;
  prompt: Prompt;
  chosen: string;
  rejected: string;
}

export const pairKey = (row: Pick<PairRow, 'subset' | 'id'>): string => `${row.subset}/${row.id}`;

/** The prompt as a message list (a plain string is one user turn). */
export function promptMessages(prompt: Prompt): readonly Message[] {
  return typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt;
}
