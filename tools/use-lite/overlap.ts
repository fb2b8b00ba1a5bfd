/**
 * @file Prompt overlap between training data and evaluation suites (pure functions, no I/O).
 *
 * A prompt is compared through its keys: the normalised text of each user turn, and of all user
 * turns joined by a newline. Normalisation: lowercase, every run of whitespace collapsed to one
 * space, trimmed. A training item overlaps a suite when any of its keys is a key of any prompt
 * of that suite. Comparing single turns as well as whole prompts catches a multi-turn training
 * conversation that opens with an evaluation prompt.
 */
import { promptMessages, type Prompt } from '../../src/subsets/types.js';

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
