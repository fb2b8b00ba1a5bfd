import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/bench/run.js';
import type { GpmOutputs } from '../src/scorers/kinds/gpm.js';
import { createResponseScorer } from '../src/scorers/index.js';
import type { ResponseScorer } from '../src/scorers/types.js';
import { tempDir, writeSuite } from './helpers/suite.js';
import { writeBagOfWordsModel, writeGpmModel, type GpmFixture } from './helpers/tiny-models.js';

// d = 4: block 0 holds a cycle (alpha, beta, gamma), block 1 a plain order (up beats down).
const EMBEDDING = {
  alpha: [1, 0, 0, 0],
  beta: [0, 1, 0, 0],
  gamma: [-1, -1, 0, 0],
  up: [0, 0, 1, 0],
  down: [0, 0, 0, 1],
};
// lambda = [1, 1] + rows of the prompt words: "first" -> [2, 1], "second" -> [1, 3].
const LAMBDA = { base: [1, 1], rows: { first: [1, 0], second: [0, 2] } };

function model(spec: Partial<GpmFixture> = {}): string {
  const dir = join(tempDir(), 'gpm');
  writeGpmModel(dir, { embedding: EMBEDDING, lambda: LAMBDA, ...spec });
  return dir;
}

async function withScorer<T>(dir: string, use: (scorer: ResponseScorer<GpmOutputs>) => Promise<T>): Promise<T> {
  const scorer = (await createResponseScorer(dir)) as ResponseScorer<GpmOutputs>;
  try {
    return await use(scorer);
  } finally {
    await scorer.dispose();
  }
}

/** a^T R^T b with R = blockdiag([[0, -l_k], [l_k, 0]]), written out as matrices (scoring.md). */
function matrixForm(a: readonly number[], b: readonly number[], lambda: readonly number[]): number {
  const d = a.length;
  const R = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  lambda.forEach((l, k) => {
    R[2 * k]![2 * k + 1] = -l;
    R[2 * k + 1]![2 * k] = l;
  });
  let s = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += a[i]! * R[j]![i]! * b[j]!; // (R^T)[i][j] = R[j][i]
  return s;
}

describe('GPM scorer on a real ONNX model', () => {
  it('computes one embedding per response and scores pairs with s(a, b) = sum_k lambda_k (a_2k b_2k+1 - a_2k+1 b_2k)', async () => {
    await withScorer(model(), async (scorer) => {
      const [alpha, beta, mixed] = await scorer.scoreResponses([
        { prompt: 'first', response: 'alpha' },
        { prompt: 'first', response: 'beta' },
        { prompt: 'first', response: 'alpha down up beta' },
      ]);
      expect(Array.from(alpha!.embedding)).toEqual([1, 0, 0, 0]);
      expect(Array.from(mixed!.embedding)).toEqual([1, 1, 1, 1]);
      expect(Array.from(alpha!.lambda!)).toEqual([2, 1]);
      expect(alpha!.score).toBeUndefined();
      // lambda_0 (1*1 - 0*0) = 2: alpha beats beta; the reverse is exactly the negation.
      expect(scorer.prefer(alpha!, beta!)).toBe(2);
      expect(scorer.prefer(beta!, alpha!)).toBe(-2);
      expect(scorer.prefer(alpha!, alpha!)).toBe(0);
      expect(scorer.prefer(alpha!, beta!)).toBe(matrixForm([1, 0, 0, 0], [0, 1, 0, 0], [2, 1]));
      // a^T R b (without the transpose) has the opposite sign.
      expect(matrixForm([0, 1, 0, 0], [1, 0, 0, 0], [2, 1])).toBe(-2);
      expect(scorer.stats).toMatchObject({ responses: 3, uniqueInputs: 3 });
      expect(scorer.info).toMatchObject({ kind: 'gpm', config: { tau: 0.1, lambda: 'model', outputs: { embedding: 'embedding', lambda: 'lambda' } } });
    });
  });

  it('changes its preference with the prompt through lambda', async () => {
    // a = alpha down = [1,0,0,1], b = beta up = [0,1,1,0]: s = lambda_0 - lambda_1.
    await withScorer(model(), async (scorer) => {
      const [a1, b1, a2, b2] = await scorer.scoreResponses([
        { prompt: 'first', response: 'alpha down' },
        { prompt: 'first', response: 'beta up' },
        { prompt: 'second', response: 'alpha down' },
        { prompt: 'second', response: 'beta up' },
      ]);
      expect(Array.from(a1!.embedding)).toEqual(Array.from(a2!.embedding));
      expect(Array.from(a2!.lambda!)).toEqual([1, 3]);
      expect(scorer.prefer(a1!, b1!)).toBe(2 - 1);
      expect(scorer.prefer(a2!, b2!)).toBe(1 - 3);
      expect(scorer.prefer(a1!, b1!)).toBe(matrixForm([1, 0, 0, 1], [0, 1, 1, 0], [2, 1]));
    });
  });

  it('uses lambda = 1 when the model has no lambda output', async () => {
    await withScorer(model({ lambda: undefined }), async (scorer) => {
      const [a, b] = await scorer.scoreResponses([
        { prompt: 'first', response: 'alpha down' },
        { prompt: 'first', response: 'beta up' },
      ]);
      expect(a!.lambda).toBeUndefined();
      expect(scorer.prefer(a!, b!)).toBe(0); // 1 - 1: a tie
      expect(scorer.info.config).toMatchObject({ lambda: 'ones' });
    });
  });

  it('rejects an odd embedding dimension and a named lambda output that is missing', async () => {
    const odd = join(tempDir(), 'odd');
    writeGpmModel(odd, { embedding: { alpha: [1, 0, 0] } });
    await withScorer(odd, async (scorer) => {
      await expect(scorer.scoreResponses([{ prompt: 'x', response: 'alpha' }])).rejects.toThrow(/"embedding" has 3 values per response; a GPM embedding has an even dimension/);
    });
    await expect(createResponseScorer(model({ lambda: undefined, rmbench: { outputs: { lambda: 'lambda' } } }))).rejects.toThrow(/no output "lambda" \(outputs: embedding\)/);
  });
});

describe('cyclic preferences (a > b > c > a), through the real bench', () => {
  // Three pairs in one subset: alpha beats beta, beta beats gamma, gamma beats alpha.
  const rows = [
    { id: '1', prompt: 'q', chosen: 'alpha', rejected: 'beta' },
    { id: '2', prompt: 'q', chosen: 'beta', rejected: 'gamma' },
    { id: '3', prompt: 'q', chosen: 'gamma', rejected: 'alpha' },
  ];
  const suiteDir = tempDir();
  const manifest = writeSuite(suiteDir, 'cycle', [{ name: 'cycle', section: 'Cycle', rows }]);

  it('GPM gets 3/3, with no per-response scores and P = sigmoid(s / tau) in the report', async () => {
    const output = await run({ model: model({ lambda: undefined, rmbench: { tau: 0.25 } }), manifest, suite: 'cycle' });
    expect(output.results.subsets.cycle).toMatchObject({ n: 3, correct: 3, ties: 0, accuracy: 1 });
    // Every s is 1 (see EMBEDDING): 1*1 - 0*0, 0*(-1) - 1*(-1), (-1)*0 - (-1)*1.
    expect(output.pairs.map((p) => ('margin' in p ? [p.chosen_score, p.rejected_score, p.margin] : p))).toEqual([
      [null, null, 1],
      [null, null, 1],
      [null, null, 1],
    ]);
    const report = output.results.scorer_report as Record<string, any>;
    expect(report).toMatchObject({ kind: 'gpm', pairs: 3, dimension: 4, lambda: 'ones', tau: 0.25 });
    expect(report.mean_probability).toBeCloseTo(1 / (1 + Math.exp(-4)), 12);
    expect(report.mean_probability_by_section.Cycle).toBeCloseTo(1 / (1 + Math.exp(-4)), 12);
    expect(output.report.join('\n')).toMatch(/mean P\(chosen beats rejected\) at tau 0\.25: 98\.2%/);
  });

  it('no Bradley-Terry model gets more than 2/3, whatever its weights', async () => {
    const dir = tempDir();
    let best = 0;
    for (const a of [-1, 0, 1]) {
      for (const b of [-1, 0, 1]) {
        for (const c of [-1, 0, 1]) {
          const bt = join(dir, `bt${a}${b}${c}`);
          writeBagOfWordsModel(bt, { alpha: a, beta: b, gamma: c });
          const output = await run({ model: bt, manifest, suite: 'cycle' });
          const { correct } = output.results.subsets.cycle!;
          // Hand count: pair i is correct iff its chosen word's weight is strictly larger.
          expect(correct).toBe(Number(a > b) + Number(b > c) + Number(c > a));
          best = Math.max(best, correct);
        }
      }
    }
    expect(best).toBe(2);
  });
});
