/**
 * The seam's pair path (src/scorers/scorer.ts openKind): a kind that judges two responses together
 * gets one backend input per ordered pair of an item's chosen and rejected responses, in both
 * orders or in one order seeded by the item; its preference fills the item's matrix. Checked with a
 * scripted backend that prefers the longer of A and B, with a bias for position A.
 */
import { describe, expect, it } from 'vitest';
import { RmbenchBlockSchema } from '../src/scorers/model-folder.js';
import { openKind } from '../src/scorers/scorer.js';
import { isPairInput, type Backend, type BatchResult, type Kind, type ScoreInput } from '../src/scorers/types.js';

/** Output "logit" of an ordered pair: len(A) - len(B) + 0.5 (position A's bias). */
class PairBackend implements Backend<[string, string]> {
  readonly engine = 'scripted';
  readonly info = { model: 'pairs', config: { engine: 'scripted' } };
  readonly where = 'pairs';
  readonly concurrency = 1;
  seen: string[] = [];
  outputName = (n: string) => n;
  hasOutput = (n: string) => n === 'logit';
  prepare = async () => ['logit'];
  textKey(input: ScoreInput): string {
    if (!isPairInput(input)) throw new Error('pairs only');
    return `${input.a}|${input.b}`;
  }
  encode(input: ScoreInput): [string, string] {
    if (!isPairInput(input)) throw new Error('pairs only');
    this.seen.push(`${input.a}|${input.b}`);
    return [input.a, input.b];
  }
  unitKey = (u: [string, string]) => u.join('|');
  plan = (units: readonly unknown[]) => [units.map((_, i) => i)];
  async runBatch(units: readonly [string, string][]): Promise<BatchResult> {
    return { rows: units.map(([a, b]) => ({ logit: Float32Array.of(a.length - b.length + 0.5) })), realTokens: 0, paddedTokens: 0, inferenceMs: 0 };
  }
  async dispose() {}
}

const pairKind = (orders: 1 | 2): Kind<{ logit: number; score?: number }> => ({
  name: 'scripted-pairwise',
  description: 'scripted',
  oneVectorPerText: false,
  outputsField: '',
  outputs: () => ({ required: { logit: 'logit' }, hint: '' }),
  open: () => ({
    unit: 'pair',
    orders,
    config: { orders },
    read: (row) => ({ logit: row.logit![0]! }),
    // Mean of the two orders' logits for A (B's logit in the second order counts against A).
    prefer: (ab, ba) => (ba === undefined ? ab.logit : (ab.logit - ba.logit) / 2),
  }),
});

const block = RmbenchBlockSchema.parse({});

describe('pair kinds on the seam', () => {
  it('judges both orders of every chosen x rejected pair and fills the matrix with the kind preference', async () => {
    const backend = new PairBackend();
    const scorer = await openKind(pairKind(2), backend, { block, model: 'pairs' });
    const [pair, set] = await scorer.scoreItems([
      { prompt: 'p', chosen: ['long answer'], rejected: ['short'] },
      { prompt: 'p', chosen: ['abcd'], rejected: ['ab', 'abcdef', 'long answer'] },
    ]);
    // (11 - 5 + 0.5) and (5 - 11 + 0.5): mean of 6.5 and 5.5.
    expect(pair!.matrix).toEqual([[6]]);
    expect(pair!.chosen).toEqual([{ logit: 6.5 }]);
    expect(pair!.rejected).toEqual([{ logit: -5.5 }]);
    expect(set!.matrix).toEqual([[2, -2, -7]]);
    expect(set!.chosen).toEqual([{}]);
    expect(backend.seen).toEqual(['long answer|short', 'short|long answer', 'abcd|ab', 'ab|abcd', 'abcd|abcdef', 'abcdef|abcd', 'abcd|long answer', 'long answer|abcd']);
    expect(scorer.info).toMatchObject({ kind: 'scripted-pairwise', config: { engine: 'scripted', orders: 2 } });
    expect(scorer.stats).toMatchObject({ responses: 8, uniqueTexts: 8 });
  });

  it('with one order, puts the chosen response first or second by a hash of the item, the same on every run', async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ prompt: `p${i}`, chosen: ['x'.repeat(i + 2)], rejected: ['y'] }));
    const run = async () => {
      const backend = new PairBackend();
      const scorer = await openKind(pairKind(1), backend, { block, model: 'pairs' });
      return { scored: await scorer.scoreItems(items), seen: backend.seen };
    };
    const first = await run();
    const again = await run();
    expect(again).toEqual(first);
    const chosenFirst = first.seen.filter((s) => s.startsWith('x')).length;
    expect(chosenFirst).toBeGreaterThan(5);
    expect(chosenFirst).toBeLessThan(35);
    first.scored.forEach((item, i) => {
      // Chosen first: len - 1 + 0.5; second: -(1 - len + 0.5), the bias now against chosen.
      const len = i + 2;
      const firstOrder = first.seen[i]!.startsWith('x');
      expect(item.matrix).toEqual([[firstOrder ? len - 1 + 0.5 : len - 1 - 0.5]]);
    });
  });
  it("gives a set item each pair's orders for the kind's summary, and marks it invalid where an invalid output leaves a pair without a preference", async () => {
    const base = pairKind(2);
    // Scripted invalidity: an order whose A and B are of equal length (logit 0.5) is "invalid".
    const kind: typeof base = { ...base, open: (...args) => ({ ...base.open(...args), isInvalid: (o: { logit: number }) => o.logit === 0.5 }) };
    const scorer = await openKind(kind, new PairBackend(), { block, model: 'pairs' });
    const [valid, invalid, pair] = await scorer.scoreItems([
      { prompt: 'p', chosen: ['abcd'], rejected: ['ab', 'abcdef'] },
      { prompt: 'p', chosen: ['abcd'], rejected: ['ab', 'wxyz'] },
      { prompt: 'p', chosen: ['abcd'], rejected: ['wxyz'] },
    ]);
    // (c, r) row-major: chosen shown first as `chosen`, rejected shown first as `rejected`.
    expect(valid!.pairs).toEqual([
      { chosen: { logit: 2.5 }, rejected: { logit: -1.5 } },
      { chosen: { logit: -1.5 }, rejected: { logit: 2.5 } },
    ]);
    expect(valid!.invalid).toBeUndefined();
    // "abcd" against "wxyz": 0.5 in both orders, preference 0 from invalid outputs.
    expect(invalid!.matrix).toEqual([[2, 0]]);
    expect(invalid!.invalid).toBe(true);
    // A pair item carries its orders in chosen/rejected, not in `pairs`.
    expect([pair!.pairs, pair!.invalid, pair!.chosen, pair!.rejected]).toEqual([undefined, true, [{ logit: 0.5 }], [{ logit: 0.5 }]]);
  });
});
