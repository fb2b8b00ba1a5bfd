/**
 * Property test (fast-check, fixed seed) for label imports: JudgeBench-shaped records whose labels
 * and responses take random values and types must give a refusal naming a row (a UserError) or
 * exactly the pairs their labels say; a record the label or response decoders reject must never
 * be imported. In-process: the CLI path of the same importer is in test/import-labels.test.ts.
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
