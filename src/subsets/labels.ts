/**
 * @file Decoding preference data that carries a label or ratings instead of chosen/rejected
 * columns (docs/datasets.md, "Labels and ratings"): A/B labels (JudgeBench "A>B", MT-Bench and
 * Chatbot Arena "model_a"/"model_b"/"tie", booleans and 0/1 meaning "A wins"), Arena's three 0/1
 * winner columns with its prompt and responses as strings holding JSON lists, and per-response ratings (HelpSteer2, UltraFeedback) turned into pairs or
 * best-of-N sets. Each decoder returns what it found or a string saying why the value is wrong;
 * src/subsets/import.ts names the row and column.
 */
import { UserError } from '../errors.js';
import type { Message, Prompt } from './types.js';

/** Fields `--map` takes besides the chosen/rejected ones, per shape of data. */
export const LABEL_FIELDS = ['response_a', 'response_b', 'label', 'winner_a', 'winner_b', 'winner_tie'] as const;
export const RATING_FIELDS = ['responses', 'ratings', 'response', 'rating'] as const;

/** Which way a label decides a pair. */
export type Outcome = 'A' | 'B' | 'tie';
export type LabelValues = Record<Outcome, readonly string[]>;

/**
 * Recognised without --label-values: JudgeBench's "A>B"/"B>A", MT-Bench's and Chatbot Arena's
 * "model_a"/"model_b"/"tie"/"tie (bothbad)", "A=B", and booleans or 0/1 meaning "A wins".
 */
export const DEFAULT_LABEL_VALUES: LabelValues = {
  A: ['A>B', 'model_a', 'true', '1'],
  B: ['B>A', 'model_b', 'false', '0'],
  tie: ['A=B', 'tie', 'tie (bothbad)'],
};

/** `--label-values "A=A>B|A>>B,B=B>A|B>>A,tie=A=B"`: replaces the defaults; an outcome left out never matches. */
export function parseLabelValues(spec: string): LabelValues {
  const values: Record<Outcome, string[]> = { A: [], B: [], tie: [] };
  for (const part of spec.split(',')) {
    const equals = part.indexOf('=');
    const outcome = part.slice(0, equals).trim();
    const listed = part.slice(equals + 1).split('|');
    if (equals < 0 || !(outcome === 'A' || outcome === 'B' || outcome === 'tie') || listed.some((v) => v === '')) {
      throw new UserError(`--label-values "${part}": expected OUTCOME=VALUE|VALUE... with OUTCOME one of A, B, tie`);
    }
    values[outcome].push(...listed);
  }
  const all = [...values.A, ...values.B, ...values.tie];
  const twice = all.find((v, i) => all.indexOf(v) !== i);
  if (twice !== undefined) throw new UserError(`--label-values: "${twice}" is given for two outcomes`);
  if (!values.A.length || !values.B.length) throw new UserError('--label-values: give at least one value for A and one for B');
  return values;
}

/** A label cell's text: strings as they are, booleans and numbers (bigint from Parquet too) as written. */
function labelText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'boolean' || typeof value === 'bigint' || (typeof value === 'number' && Number.isFinite(value))) return String(value);
  return undefined;
}

/** Label texts whose meaning is a convention, not a name: numbers and booleans (1/true = A wins by default). */
export const NUMERIC_LABELS: readonly string[] = ['0', '1', 'true', 'false'];

/** Whether a label cell is a number or a boolean (or one written as text), whose meaning the data does not say. */
export const isNumericLabel = (value: unknown): boolean => NUMERIC_LABELS.includes(labelText(value) ?? '');

export function decodeLabel(value: unknown, values: LabelValues): Outcome | string {
  const text = labelText(value);
  const outcome = text === undefined ? undefined : (['A', 'B', 'tie'] as const).find((o) => values[o].includes(text));
  if (outcome) return outcome;
  const known = (['A', 'B', 'tie'] as const).flatMap((o) => values[o].map((v) => `"${v}" (${o})`)).join(', ');
  return `${value === undefined ? 'missing' : JSON.stringify(typeof value === 'bigint' ? String(value) : value)}, expected one of ${known}; see --label-values`;
}

/** Arena's winner_model_a / winner_model_b / winner_tie: 0/1 (or booleans), exactly one of them 1. */
export function decodeWinnerFlags(flags: { A: unknown; B: unknown; tie?: unknown }): Outcome | string {
  const bits: [Outcome, number | undefined][] = (Object.entries(flags) as [Outcome, unknown][]).map(([o, v]) => {
    const text = labelText(v);
    return [o, text === '1' || text === 'true' ? 1 : text === '0' || text === 'false' ? 0 : undefined];
  });
  const bad = bits.find(([, b]) => b === undefined);
  if (bad) return `winner_${bad[0] === 'tie' ? 'tie' : bad[0].toLowerCase()} is ${JSON.stringify(labelText(flags[bad[0]]) ?? null)}, expected 0 or 1`;
  const winners = bits.filter(([, b]) => b === 1).map(([o]) => o);
  if (winners.length !== 1) return `${winners.length} of the winner columns are 1, expected exactly one`;
  return winners[0]!;
}

/** A response cell: a string, a one-element list of strings (Arena), or a conversation ending with the assistant's answer (MT-Bench). */
export interface Response {
  text: string;
  /** The messages before the answer, when the cell is a conversation. */
  context?: readonly Message[];
}

/**
 * Arena's prompt and response cells (lmarena-ai/arena-human-preference-55k) are strings holding a
 * JSON list with one element per turn, e.g. "[\"Q1\",\"Q2\"]": the list when the cell is one, else
 * the cell as it is.
 */
export function decodeJsonList(value: unknown): unknown {
  if (typeof value !== 'string' || !value.startsWith('[')) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : value;
  } catch {
    return value;
  }
}

/** Why a list of turns cannot be one prompt or response: a missing turn, or several turns of plain strings. */
export function turnListProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  if (value.some((x) => x === null || x === undefined)) return `a list of ${value.length} holding null (a missing turn)`;
  if (value.length > 1 && value.every((x) => typeof x === 'string')) return `a list of ${value.length} turns (a multi-turn conversation; import single-turn rows)`;
  return undefined;
}

const RESPONSE_EXPECTED = "expected a string, a list of one string, or a conversation [{role, content}] ending with a user turn and the assistant's answer";

export function decodeResponse(value: unknown): Response | string {
  if (typeof value === 'string') return { text: value };
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return { text: value[0] };
  const problem = turnListProblem(value);
  if (problem) return `${problem}, ${RESPONSE_EXPECTED}`;
  if (Array.isArray(value) && value.length > 0 && value.every((m) => typeof m?.content === 'string' && ['system', 'user', 'assistant'].includes(m?.role))) {
    const messages = value as Message[];
    const last = messages[messages.length - 1]!;
    const context = messages.slice(0, -1);
    if (last.role === 'assistant' && context.length && context[context.length - 1]!.role === 'user') return { text: last.content, context: context.map(({ role, content }) => ({ role, content })) };
  }
  return `${value === undefined ? 'missing' : value === null ? 'null' : Array.isArray(value) ? `a list of ${value.length}` : typeof value}, ${RESPONSE_EXPECTED}`;
}

/** The prompt of a conversation's context: one user turn as plain text, as the other importers write it. */
export function contextPrompt(context: readonly Message[]): Prompt {
  return context.length === 1 ? context[0]!.content : context;
}

/** A ratings cell: finite numbers, one per response. */
export function decodeRatings(value: unknown, responses: number): number[] | string {
  const list = Array.isArray(value) ? value.map((x) => (typeof x === 'bigint' ? Number(x) : x)) : undefined;
  if (!list || !list.every((x) => typeof x === 'number' && Number.isFinite(x))) return `${value === undefined ? 'missing' : typeof value}, expected a list of numbers`;
  if (list.length !== responses) return `${list.length} ratings for ${responses} responses`;
  return list as number[];
}

export interface RatedPair {
  /** Index of the rejected response (the chosen one is `top`). */
  rejected: number;
  tie: boolean;
}

export interface RatedSplit {
  /** Index of the first best-rated response. */
  top: number;
  /** The other responses: rated lower by at least the margin (pairs), or as high as the top (ties). */
  pairs: RatedPair[];
  /** Responses rated lower than the top, but by less than the margin: left out. */
  belowMargin: number;
}

/**
 * The best-rated response (the first of equals) against each other one: a pair when it is rated
 * lower by at least `minMargin` (and lower at all), a tie when rated the same, left out otherwise.
 */
export function splitByRating(ratings: readonly number[], minMargin: number): RatedSplit {
  const best = Math.max(...ratings);
  const top = ratings.indexOf(best);
  const pairs: RatedPair[] = [];
  let belowMargin = 0;
  ratings.forEach((r, k) => {
    if (k === top) return;
    if (r === best) pairs.push({ rejected: k, tie: true });
    else if (best - r >= minMargin) pairs.push({ rejected: k, tie: false });
    else belowMargin++;
  });
  return { top, pairs, belowMargin };
}
