/**
 * Property test (fast-check, fixed seed) for label imports: JudgeBench-shaped records whose labels
 * and responses take random values and types must give a refusal naming a row (a UserError) or
 * exactly the pairs their labels say; a record the label or response decoders reject must never
 * be imported. Arena-shaped records (winner columns) whose prompt and response cells are strings
 * holding JSON lists of random turns must be refused (row named) unless every list is one string,
 * and then import the decoded texts. In-process: the CLI path of the same importer is in
 * test/import-labels.test.ts and test/bad-input/imports.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convertRecords } from '../../src/subsets/import.js';
import { DEFAULT_LABEL_VALUES, decodeLabel, decodeResponse } from '../../src/subsets/labels.js';
import type { PairRow } from '../../src/subsets/types.js';

const RUNS = Number(process.env.RMBENCH_FUZZ_RUNS ?? 200);
const OUTCOMES: string[] = ['A', 'B', 'tie'];
const MAP = { prompt: 'question', response_a: 'response_A', response_b: 'response_B', label: 'label' };

const label = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<unknown>('A>B', 'B>A', 'A=B', 'model_a', 'model_b', 'tie', 'tie (bothbad)', true, false, 0, 1) },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.double(), fc.constant(null), fc.constant(undefined), fc.constant([1])) },
);
const response = fc.oneof(
  { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.integer(), fc.array(fc.string({ minLength: 1 }), { maxLength: 2 }), fc.constant(undefined)) },
);
const record = fc.record({ response_A: response, response_B: response, label });

describe('label imports (fast-check, seeded): a refusal or exactly the labelled pairs', () => {
  it('JudgeBench-shaped records with random labels and responses', () => {
    const seen = { imported: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), (raw) => {
        const records = raw.map((r, i) => ({ question: `q${i}`, ...r }));
        const valid = records.every(
          (r) => OUTCOMES.includes(decodeLabel(r.label, DEFAULT_LABEL_VALUES)) && typeof decodeResponse(r.response_A) !== 'string' && typeof decodeResponse(r.response_B) !== 'string',
        );
        let rows: PairRow[];
        try {
          rows = convertRecords(records, 'fuzz.jsonl', MAP, 's').rows as PairRow[];
        } catch (err) {
          expect((err as Error).name).toMatch(/UserError|ValidationError/);
          expect((err as Error).message).toMatch(/row \d+/);
          seen.refused++;
          return;
        }
        expect(valid).toBe(true);
        seen.imported++;
        expect(rows).toHaveLength(records.length);
        records.forEach((r, i) => {
          const outcome = decodeLabel(r.label, DEFAULT_LABEL_VALUES);
          const [a, b] = [decodeResponse(r.response_A), decodeResponse(r.response_B)].map((x) => (x as { text: string }).text);
          const row = rows[i]!;
          expect(row.prompt).toBe(`q${i}`);
          if (outcome === 'tie') expect(row.tie).toBe(true);
          else expect([row.chosen, row.rejected]).toEqual(outcome === 'A' ? [a, b] : [b, a]);
        });
      }),
      { seed: 20240, numRuns: RUNS },
    );
    // Both ends were reached: valid files imported, damaged ones refused.
    expect(seen.imported).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });
});

/** A cell as lmarena-ai/arena-human-preference-55k holds it: a string of a JSON list of turns (or, now and then, plain text). */
const arenaCell = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.oneof({ weight: 5, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 1, arbitrary: fc.constant(null) }), { minLength: 0, maxLength: 3 }).map((turns) => JSON.stringify(turns)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
/** What a cell should import as: its one turn, the plain text, or undefined when it must be refused. */
function expectedText(cell: string): string | undefined {
  let turns: unknown = cell;
  try {
    turns = cell.startsWith('[') ? JSON.parse(cell) : cell;
  } catch {
    // plain text that only starts with "["
  }
  if (!Array.isArray(turns)) return cell;
  return turns.length === 1 && typeof turns[0] === 'string' ? turns[0] : undefined;
}
const ARENA_MAP = { response_a: 'response_a', response_b: 'response_b', winner_a: 'winner_model_a', winner_b: 'winner_model_b', winner_tie: 'winner_tie' };

describe('Arena imports (fast-check, seeded): JSON-list cells decoded, multi-turn and null refused', () => {
  it('string cells of random turn lists give a refusal naming a row or exactly the decoded texts', () => {
    const seen = { imported: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(fc.record({ prompt: arenaCell, response_a: arenaCell, response_b: arenaCell, winner: fc.constantFrom('a', 'b', 'tie') }), { minLength: 1, maxLength: 8 }), (raw) => {
        const records = raw.map(({ winner, ...cells }) => ({ ...cells, winner_model_a: winner === 'a' ? 1 : 0, winner_model_b: winner === 'b' ? 1 : 0, winner_tie: winner === 'tie' ? 1 : 0 }));
        const texts = raw.map((r) => [expectedText(r.prompt), expectedText(r.response_a), expectedText(r.response_b)]);
        let rows: PairRow[];
        try {
          rows = convertRecords(records, 'arena.jsonl', ARENA_MAP, 's').rows as PairRow[];
        } catch (err) {
          expect((err as Error).name).toMatch(/UserError|ValidationError/);
          expect((err as Error).message).toMatch(/row \d+, field "(prompt|response_a|response_b)"/);
          expect(texts.some((t) => t.includes(undefined))).toBe(true);
          seen.refused++;
          return;
        }
        seen.imported++;
        rows.forEach((row, i) => {
          const [prompt, a, b] = texts[i]!;
          expect(row.prompt).toBe(prompt);
          const winner = raw[i]!.winner;
          expect([row.chosen, row.rejected]).toEqual(winner === 'b' ? [b, a] : [a, b]);
        });
      }),
      { seed: 20240, numRuns: RUNS },
    );
    expect(seen.imported).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });
});
