/**
 * @file Prompt overlap between training data and evaluation suites (pure functions, no I/O).
 *
 * A prompt is compared through its keys: the normalised text of each user turn, and of all user
 * turns joined by a newline. Normalisation: lowercase, every run of whitespace collapsed to one
 * space, trimmed. A training item overlaps a suite when any of its keys is a key of any prompt
 * of that suite. Comparing single turns as well as whole prompts catches a multi-turn training
 * conversation that opens with an evaluation prompt.
 */
import { basename } from 'node:path';
import { ValidationError } from '../errors.js';
import { readRecords, toPrompt, type ColumnMap } from './import.js';
import { loadSubsets } from './load.js';
import type { Suite } from './manifest.js';
import { pairKey, promptMessages, type Prompt } from './types.js';

export function normalisePrompt(text: string): string {
  return text.toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** The normalised user turns of a prompt and their concatenation, without empty strings. */
export function promptKeys(prompt: Prompt): string[] {
  const turns = promptMessages(prompt)
    .filter((m) => m.role === 'user')
    .map((m) => normalisePrompt(m.content));
  const keys = new Set(turns);
  keys.add(normalisePrompt(turns.join('\n')));
  keys.delete('');
  return [...keys];
}

/** Every key of a suite's prompts. */
export function overlapIndex(prompts: Iterable<Prompt>): Set<string> {
  const index = new Set<string>();
  for (const p of prompts) for (const k of promptKeys(p)) index.add(k);
  return index;
}

export function overlaps(prompt: Prompt, index: ReadonlySet<string>): boolean {
  return promptKeys(prompt).some((k) => index.has(k));
}

export interface OverlapReport<T> {
  kept: T[];
  excluded: T[];
  /** Training items that overlap each suite (an item can overlap several suites). */
  bySuite: Record<string, number>;
}

/**
 * Splits training items into those whose prompt appears in no evaluation suite and those that
 * appear in at least one, counting overlaps per suite.
 */
export function excludeOverlap<T>(items: readonly T[], promptOf: (item: T) => Prompt, suites: Record<string, Iterable<Prompt>>): OverlapReport<T> {
  const indexes = Object.entries(suites).map(([name, prompts]) => [name, overlapIndex(prompts)] as const);
  const bySuite: Record<string, number> = Object.fromEntries(indexes.map(([name]) => [name, 0]));
  const kept: T[] = [];
  const excluded: T[] = [];
  for (const item of items) {
    const keys = promptKeys(promptOf(item));
    let hit = false;
    for (const [name, index] of indexes) {
      if (keys.some((k) => index.has(k))) {
        bySuite[name]!++;
        hit = true;
      }
    }
    (hit ? excluded : kept).push(item);
  }
  return { kept, excluded, bySuite };
}

export interface SuiteOverlap {
  suite: string;
  /** Training rows read. */
  rows: number;
  /** Training rows whose prompt is an evaluation prompt of the suite. */
  overlapping: { id: string; subset: string; matches: string[] }[];
}

/**
 * Which training rows share a prompt with a suite, and with which of its items (`subset/id`).
 * Used by `rmbench data overlap` before training on data meant to be evaluated on that suite.
 */
export function suiteOverlap(suite: string, training: readonly { id: string; subset: string; prompt: Prompt }[], evaluation: readonly { key: string; prompt: Prompt }[]): SuiteOverlap {
  const byKey = new Map<string, string[]>();
  for (const item of evaluation) {
    for (const k of promptKeys(item.prompt)) {
      const list = byKey.get(k) ?? [];
      list.push(item.key);
      byKey.set(k, list);
    }
  }
  const overlapping = training.flatMap((row) => {
    const matches = [...new Set(promptKeys(row.prompt).flatMap((k) => byKey.get(k) ?? []))];
    return matches.length ? [{ id: row.id, subset: row.subset, matches }] : [];
  });
  return { suite, rows: training.length, overlapping };
}

/** Reads a training file's prompts (JSONL or Parquet, columns mapped as for import) and checks them against a suite. */
export async function trainingOverlap(file: string, suite: Suite, map: ColumnMap = {}): Promise<SuiteOverlap> {
  const records = await readRecords(file);
  const problems: string[] = [];
  const training = records.map((r, i) => {
    const column = map.prompt ?? 'prompt';
    const prompt = toPrompt(r[column]);
    if (prompt === undefined && problems.length < 20) problems.push(`row ${i}, field "${column}" (prompt): expected a string or a list of {role, content} ending with a user turn`);
    const id = r[map.id ?? 'id'];
    const subset = r[map.subset ?? 'subset'];
    return { id: id === undefined || id === null ? String(i) : String(id), subset: typeof subset === 'string' ? subset : basename(file), prompt: prompt ?? '' };
  });
  if (problems.length) throw new ValidationError(file, problems);
  const evaluation = loadSubsets(suite).flatMap(({ rows }) => rows.map((row) => ({ key: pairKey(row), prompt: row.prompt })));
  return suiteOverlap(suite.name, training, evaluation);
}
