import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArmoOutputs } from '../src/scorers/kinds/armorm.js';
import { formatPlain, formatPlainPrompt } from '../src/scorers/format.js';
import { createResponseScorer } from '../src/scorers/index.js';
import type { ResponseInput, ScoredPair, ResponseScorer } from '../src/scorers/types.js';
import { tempDir } from './helpers/suite.js';
import { writeArmoModel, type ArmoFixture } from './helpers/tiny-models.js';

// Three objectives; objective 1 is verbosity. Penalties c = [1/2, 0, 1/4]:
// (r M)_0 = r_0 - r_1/2, (r M)_1 = r_1, (r M)_2 = r_2 - r_1/4.
const OBJECTIVES = ['helpfulness', 'verbosity', 'safety'];
const PENALTIES = [0.5, 0, 0.25];
const M = [
  [1, 0, 0],
  [-0.5, 1, -0.25],
  [0, 0, 1],
];
const IDENTITY = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
const FIXTURE: ArmoFixture = {
  rewards: { helpful: [1, 0, 0], wordy: [0, 1, 0], safe: [0, 0, 1], harmful: [0, 0, -2], wrong: [-1, 0, 0] },
  // Gating = [1/2, 1/4, 1/4] + the prompt words' rows.
  gating: { explain: [0.5, 0, 0], danger: [0, 0, 1] },
  gatingBase: [0.5, 0.25, 0.25],
  transform: M,
  rmbench: { objectives: OBJECTIVES, verbosity_penalties: PENALTIES, verbosity_objective: 'verbosity' },
};

function model(spec: Partial<ArmoFixture> = {}): string {
  const dir = join(tempDir(), 'armo');
  writeArmoModel(dir, { ...FIXTURE, ...spec });
  return dir;
}

async function withScorer<T>(dir: string, use: (scorer: ResponseScorer<ArmoOutputs>, warnings: string[]) => Promise<T>): Promise<T> {
  const warnings: string[] = [];
  const scorer = (await createResponseScorer(dir, { onWarning: (m) => warnings.push(m) })) as ResponseScorer<ArmoOutputs>;
  try {
    return await use(scorer, warnings);
  } finally {
    await scorer.dispose();
  }
}

// Four pairs, two sections. Gating: "explain it" -> [1, 1/4, 1/4]; "danger ahead" -> [1/2, 1/4, 5/4].
const PAIRS = [
  { section: 'Chat', prompt: 'explain it', chosen: 'helpful safe', rejected: 'wordy wordy wrong' },
  { section: 'Chat', prompt: 'explain it', chosen: 'helpful', rejected: 'helpful wordy' },
  { section: 'Safety', prompt: 'danger ahead', chosen: 'safe', rejected: 'harmful helpful' },
  { section: 'Safety', prompt: 'danger ahead', chosen: 'safe wordy', rejected: 'safe' },
];
const inputsOf = (pairs: typeof PAIRS): ResponseInput[] => pairs.flatMap((p) => [{ prompt: p.prompt, response: p.chosen }, { prompt: p.prompt, response: p.rejected }]);

/** The scorer's streaming summary fed every pair in order, as a run feeds it window after window. */
function summarize(scorer: ResponseScorer<ArmoOutputs>, pairs: readonly ScoredPair<ArmoOutputs>[]) {
  const summary = scorer.summary!();
  for (const pair of pairs) summary.add(pair);
  return summary.finish();
}

async function scorePairs(scorer: ResponseScorer<ArmoOutputs>) {
  const outputs = await scorer.scoreResponses(inputsOf(PAIRS));
  const scored: ScoredPair<ArmoOutputs>[] = PAIRS.map((p, i) => ({ subset: p.section.toLowerCase(), section: p.section, chosen: outputs[2 * i]!, rejected: outputs[2 * i + 1]! }));
  return { outputs, scored };
}

describe('formatPlainPrompt', () => {
  it('renders the prompt turns as formatPlain does, without the assistant line', () => {
    expect(formatPlainPrompt('Is it good?')).toBe('User: Is it good?');
    const turns = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'rate it' },
    ] as const;
    expect(formatPlainPrompt(turns)).toBe('System: Be brief.\n\nUser: hi\n\nAssistant: hello\n\nUser: rate it');
    expect(formatPlain(turns, 'ok')).toBe(`${formatPlainPrompt(turns)}\n\nAssistant: ok`);
  });
});

describe('ArmoRM scorer on a real ONNX model', () => {
  it('reads rewards, gating and score, decides pairs by the score, and the score checks out against sum_k g_k (r M)_k', async () => {
    await withScorer(model(), async (scorer, warnings) => {
      const { outputs } = await scorePairs(scorer);
      // Raw rewards of the response words (prompt and role words weigh 0).
      expect(outputs.map((o) => Array.from(o.rewards))).toEqual([
        [1, 0, 1], [-1, 2, 0],
        [1, 0, 0], [1, 1, 0],
        [0, 0, 1], [1, 0, -2],
        [0, 1, 1], [0, 0, 1],
      ]);
      expect(outputs.map((o) => Array.from(o.gating))).toEqual([...Array(4).fill([1, 0.25, 0.25]), ...Array(4).fill([0.5, 0.25, 1.25])]);
      // r M: e.g. [-1, 2, 0] -> [-1 - 1, 2, 0 - 0.5].
      expect(outputs.map((o) => Array.from(o.adjusted))).toEqual([
        [1, 0, 1], [-2, 2, -0.5],
        [1, 0, 0], [0.5, 1, -0.25],
        [0, 0, 1], [1, 0, -2],
        [-0.5, 1, 0.75], [0, 0, 1],
      ]);
      // score = g . (r M): 1 + 1/4; -2 + 1/2 - 1/8; 1; 1/2 + 1/4 - 1/16; 5/4; 1/2 - 5/2; -1/4 + 1/4 + 15/16; 5/4.
      expect(outputs.map((o) => o.score)).toEqual([1.25, -1.625, 1, 0.6875, 1.25, -2, 0.9375, 1.25]);
      expect(PAIRS.map((_, i) => scorer.prefer(outputs[2 * i]!, outputs[2 * i + 1]!) > 0)).toEqual([true, true, true, false]);
      expect(scorer.prefer(outputs[0]!, outputs[1]!)).toBe(1.25 + 1.625);
      expect(scorer.prefer(outputs[1]!, outputs[0]!)).toBe(-(1.25 + 1.625));
      expect(warnings).toEqual([]);
      expect(scorer.info).toMatchObject({ kind: 'armorm', config: { outputs: { rewards: 'rewards', gating: 'gating_output', score: 'score' }, verbosity_penalties: PENALTIES } });
    });
  });

  it('summarizes per-objective accuracy (ties wrong), mean gating overall and per section, and the reward correlations', async () => {
    await withScorer(model(), async (scorer) => {
      const { scored } = await scorePairs(scorer);
      const report = summarize(scorer, scored);
      const json = report.json as Record<string, any>;
      // On r M. helpfulness: 1>-2, 1>0.5, 0<1, -0.5<0 -> 2/4. verbosity: 0<2, 0<1, 0=0 (tie), 1>0 -> 1/4.
      // safety: 1>-0.5, 0>-0.25, 1>-2, 0.75<1 -> 3/4. Raw r: helpfulness 1>-1, 1=1, 0<1, 0=0 -> 1/4;
      // safety 1>0, 0=0, 1>-2, 1=1 -> 2/4.
      expect(json.objective_accuracy).toEqual({
        helpfulness: { accuracy: 0.5, ties: 0, raw_accuracy: 0.25 },
        verbosity: { accuracy: 0.25, ties: 1, raw_accuracy: 0.25 },
        safety: { accuracy: 0.75, ties: 0, raw_accuracy: 0.5 },
      });
      expect(json.objective_accuracy_by_section).toEqual({
        Chat: { helpfulness: 1, verbosity: 0, safety: 1 },
        Safety: { helpfulness: 0, verbosity: 0.5, safety: 0.5 },
      });
      expect(json.gating_mean).toEqual({ helpfulness: 0.75, verbosity: 0.25, safety: 0.75 });
      expect(json.gating_mean_by_section).toEqual({
        Chat: { helpfulness: 1, verbosity: 0.25, safety: 0.25 },
        Safety: { helpfulness: 0.5, verbosity: 0.25, safety: 1.25 },
      });
      // Over the 8 responses: r0 = [1,-1,1,1,0,1,0,0], r1 = [0,2,0,1,0,0,1,0], r2 = [1,0,0,0,1,-2,1,1].
      // Means 3/8, 1/2, 1/4. S00 = 5 - 9/8 = 31/8, S11 = 6 - 2 = 4, S22 = 8 - 1/2 = 15/2,
      // S01 = -1 - 3/2 = -5/2, S02 = -1 - 3/4 = -7/4, S12 = 1 - 1 = 0.
      const c = json.reward_correlation as number[][];
      const expected = [
        [1, -2.5 / Math.sqrt((31 / 8) * 4), -1.75 / Math.sqrt((31 / 8) * 7.5)],
        [-2.5 / Math.sqrt((31 / 8) * 4), 1, 0],
        [-1.75 / Math.sqrt((31 / 8) * 7.5), 0, 1],
      ];
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(c[a]![b]).toBeCloseTo(expected[a]![b]!, 12);
      expect(json.score_check).toEqual({ checked: 8, mismatches: 0, max_relative_difference: 0, tolerance: 1e-4 });
      expect(report.text.join('\n')).toMatch(/helpfulness\s+50\.0%\s+0\.7500/);
    });
  });

  it('warns once when the model score disagrees with sum_k g_k (r M)_k, and counts every disagreement', async () => {
    // The graph's score uses no transform, while the block declares the verbosity penalties.
    await withScorer(model({ transform: IDENTITY }), async (scorer, warnings) => {
      const { scored, outputs } = await scorePairs(scorer);
      // Graph: g . r. For [-1, 2, 0] under [1, 1/4, 1/4]: -1 + 1/2.
      expect(outputs[1]!.score).toBe(-0.5);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/score -0\.5 differs from sum_k gating_k \(rewards M\)_k = -1\.625 \(response 2\)/);
      // Responses with r_1 != 0 disagree: [-1,2,0], [1,1,0], [0,1,1].
      expect((summarize(scorer, scored).json as Record<string, any>).score_check).toMatchObject({ checked: 8, mismatches: 3 });
    });
  });

  it('feeds the prompt on its own: changing the prompt changes the gating and the score', async () => {
    await withScorer(model(), async (scorer) => {
      const [a, b] = await scorer.scoreResponses([
        { prompt: 'explain it', response: 'helpful' },
        { prompt: 'danger ahead', response: 'helpful' },
      ]);
      expect(Array.from(a!.rewards)).toEqual(Array.from(b!.rewards));
      expect(Array.from(a!.gating)).toEqual([1, 0.25, 0.25]);
      expect(Array.from(b!.gating)).toEqual([0.5, 0.25, 1.25]);
      expect([a!.score, b!.score]).toEqual([1, 0.5]);
      expect(scorer.info.config).toMatchObject({ prompt_truncation_side: 'left' });
    });
  });

  it('truncates the prompt-only text keeping its end', async () => {
    // Prompt-only "User: danger a b c explain" is user : danger a b c explain; 4 kept: a b c explain.
    // The full text keeps explain assistant : helpful.
    await withScorer(model({ rmbench: { ...FIXTURE.rmbench, max_length: 4 } }), async (scorer) => {
      const [out] = await scorer.scoreResponses([{ prompt: 'danger a b c explain', response: 'helpful' }]);
      expect(Array.from(out!.gating)).toEqual([1, 0.25, 0.25]);
      expect(Array.from(out!.rewards)).toEqual([1, 0, 0]);
    });
  });

  it('renders the prompt-only text with the chat template and a generation prompt', async () => {
    const chatTemplate = "{% for m in messages %}{{ m.role }} says {{ m.content }} {% endfor %}{% if add_generation_prompt %}assistant says {% endif %}";
    // "says" adds [0, 0, 1/2] to the gating: twice in "user says explain it assistant says".
    const dir = model({ chatTemplate, gating: { ...FIXTURE.gating, says: [0, 0, 0.5] } });
    await withScorer(dir, async (scorer) => {
      const [out] = await scorer.scoreResponses([{ prompt: 'explain it', response: 'helpful' }]);
      expect(Array.from(out!.gating)).toEqual([1, 0.25, 1.25]);
      expect(scorer.info.config).toMatchObject({ text_format: 'chat_template' });
    });
  });

  it('uses the transform matrix when one is given instead of penalties', async () => {
    const rmbench = { objectives: OBJECTIVES, transform: M };
    await withScorer(model({ rmbench }), async (scorer, warnings) => {
      const { outputs } = await scorePairs(scorer);
      expect(Array.from(outputs[1]!.adjusted)).toEqual([-2, 2, -0.5]);
      expect(warnings).toEqual([]);
    });
  });

  it('names the outputs it lacks and rejects inconsistent blocks', async () => {
    await expect(createResponseScorer(model({ rmbench: { ...FIXTURE.rmbench, outputs: { gating: 'gates' } } }))).rejects.toThrow(
      /no output "gates" \(outputs: rewards, gating_output, score\); name them in rmbench\.outputs/,
    );
    await expect(createResponseScorer(model({ rmbench: { objectives: ['a', 'b'] } })).then((s) => s.scoreResponses([{ prompt: 'x', response: 'safe' }]))).rejects.toThrow(
      /rmbench\.objectives names 2 objectives; the model has 3/,
    );
    await expect(createResponseScorer(model({ rmbench: { tau: 0.5 } }))).rejects.toThrow(/rmbench\.tau: applies to scorer "gpm" only/);
    await expect(createResponseScorer(model({ rmbench: { verbosity_penalties: PENALTIES } }))).rejects.toThrow(/rmbench\.verbosity_objective: needed with verbosity_penalties/);
  });
});
