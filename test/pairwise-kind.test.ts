/**
 * The pairwise kind over a tiny exact pair graph (test/helpers/pairwise-model.ts): the text the
 * graph reads (the pair template rendered verbatim, the prompt as formatQuestion writes it), the
 * preferences from both orders against hand-computed logits, best-of-n set items (a 1 x n row),
 * the summary's figures, and bad inputs as one-line errors.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openOnnxBackend } from '../src/scorers/backends/onnx.js';
import { createResponseScorer, createScorer } from '../src/scorers/index.js';
import { PairwiseSummary, type PairwiseOutputs } from '../src/scorers/kinds/pairwise.js';
import { readModelFolder } from '../src/scorers/model-folder.js';
import type { Scorer } from '../src/scorers/types.js';
import { writePairModel } from './helpers/pairwise-model.js';
import { tempDir } from './helpers/suite.js';
import { writeBagOfWordsModel } from './helpers/tiny-models.js';

// "good" helps the response in either place and "bad" hurts it; "bias" adds 0.5 to the logit in
// either place, so it is a bias towards A whoever holds it ("meh" against "bias" ties).
const WEIGHTS = { weightA: { good: 1, bad: -1, bias: 0.5 }, weightB: { good: -1, bad: 1, bias: 0.5 }, words: ['meh', 'question'] };

function model(rmbench: Record<string, unknown> = {}): string {
  const dir = join(tempDir(), 'pairwise');
  writePairModel(dir, { ...WEIGHTS, rmbench });
  return dir;
}

/** P(chosen better) - 0.5 from the two orders' logits, as the issue defines it. */
const expectedPrefer = (ab: number, ba: number) => (1 / (1 + Math.exp(-ab)) + 1 - 1 / (1 + Math.exp(-ba))) / 2 - 0.5;

describe('the text a pair graph reads', () => {
  it('is the pair template rendered verbatim, the prompt as formatQuestion writes it; other units are one-line errors', async () => {
    const dir = model();
    const backend = await openOnnxBackend(readModelFolder(dir), {}, {});
    try {
      expect(backend.textKey({ prompt: 'Is <b>this</b> & that ok?  ', a: ' good\n', b: "{{ bad }} '%}" })).toBe("[Q] Is <b>this</b> & that ok?   [A]  good\n [B] {{ bad }} '%}");
      const conversation = [
        { role: 'system' as const, content: 'S' },
        { role: 'user' as const, content: 'U1' },
        { role: 'assistant' as const, content: 'A1' },
        { role: 'user' as const, content: 'U2' },
      ];
      expect(backend.textKey({ prompt: conversation, a: 'x', b: 'y' })).toBe('[Q] System: S\n\nUser: U1\n\nAssistant: A1\n\nUser: U2 [A] x [B] y');
      expect(() => backend.textKey({ prompt: 'q', response: 'r' })).toThrow(`${join(dir, 'onnx', 'model.onnx')}: this graph reads two responses together (rmbench.pair_template); the kind scores one response at a time`);
      expect(backend.info.config).toMatchObject({ text_format: 'pair_template', pair_template: '[Q] {{ question }} [A] {{ response_a }} [B] {{ response_b }}', add_special_tokens: true });
    } finally {
      await backend.dispose();
    }
    const responseGraph = join(tempDir(), 'bt');
    writeBagOfWordsModel(responseGraph, { good: 1 });
    const bt = await openOnnxBackend(readModelFolder(responseGraph), {}, {});
    try {
      expect(() => bt.textKey({ prompt: 'q', a: 'x', b: 'y' })).toThrow(`${join(responseGraph, 'onnx', 'model.onnx')}: this backend reads one response at a time; the kind judges two responses together`);
    } finally {
      await bt.dispose();
    }
  });
});

describe('pairwise preferences', () => {
  it('come from both orders: (sigmoid f(c, r) - sigmoid f(r, c)) / 2, with each order\'s logit kept', async () => {
    const scorer = (await createScorer(model())) as Scorer<PairwiseOutputs>;
    try {
      const items = [
        { prompt: 'good question', chosen: ['good'], rejected: ['bad'] }, // f(c, r) = 1 + 1 = 2, f(r, c) = -1 - 1 = -2 (question words count for nothing)
        { prompt: 'q', chosen: ['bias good'], rejected: ['bias bad'] }, // 3, -1
        { prompt: 'q', chosen: ['meh'], rejected: ['bias'] }, // 0.5, 0.5: a tie
        { prompt: 'q', chosen: ['bad'], rejected: ['good bias'] }, // -1.5, 2.5
      ];
      const scored = await scorer.scoreItems(items);
      const logits = [
        [2, -2],
        [3, -1],
        [0.5, 0.5],
        [-1.5, 2.5],
      ];
      expect(scored.map((s) => [s.chosen[0]!.logit, s.rejected[0]!.logit])).toEqual(logits);
      scored.forEach((s, i) => expect(s.matrix[0]![0]).toBeCloseTo(expectedPrefer(logits[i]![0]!, logits[i]![1]!), 15));
      expect(scored[2]!.matrix[0]![0]).toBe(0);
      expect(scored.map((s) => Math.sign(s.matrix[0]![0]!))).toEqual([1, 1, 0, -1]);
      expect(scorer.info).toMatchObject({ kind: 'pairwise', config: { output: 'logits', score_index: 0, pair_orders: 2 } });
      // Four pairs, two orders each: eight texts, each run once.
      expect(scorer.stats.uniqueInputs).toBe(8);
    } finally {
      await scorer.dispose();
    }
  });

  it('decide best-of-n items as a 1 x n row: the chosen response against each rejected one, both orders', async () => {
    const scorer = await createScorer(model());
    try {
      const [first, second] = await scorer.scoreItems([
        { prompt: 'q', chosen: ['good'], rejected: ['bad', 'meh', 'bias'] },
        { prompt: 'q', chosen: ['meh'], rejected: ['good', 'bad'] },
      ]);
      // good vs bad: 2, -2; good vs meh: 1, -1; good vs bias: 1.5, -0.5. meh vs good: -1, 1; meh vs bad: 1, -1.
      const row = (pairs: number[][]) => pairs.map(([ab, ba]) => expectedPrefer(ab!, ba!));
      expect(first!.matrix).toHaveLength(1);
      first!.matrix[0]!.forEach((v, j) => expect(v).toBeCloseTo(row([[2, -2], [1, -1], [1.5, -0.5]])[j]!, 15));
      second!.matrix[0]!.forEach((v, j) => expect(v).toBeCloseTo(row([[-1, 1], [1, -1]])[j]!, 15));
      expect([first!.chosen.length, first!.rejected.length, second!.rejected.length]).toEqual([1, 3, 2]);
      expect(scorer.stats.responses).toBe(10);
    } finally {
      await scorer.dispose();
    }
  });

  it('summarise order consistency, the position-A rate and the mean probability, per section', () => {
    const summary = new PairwiseSummary();
    const add = (section: string, ab: number, ba: number) => summary.add({ subset: section, section, chosen: { logit: ab }, rejected: { logit: ba } });
    add('chat', 2, -2); // consistent; A wins once
    add('chat', 0.5, 0.5); // inconsistent: A wins both
    add('code', -1.5, 2.5); // consistent (the rejected one both times); A wins once
    const p = (ab: number, ba: number) => 0.5 + expectedPrefer(ab, ba);
    const { json, text } = summary.finish();
    expect(json).toMatchObject({ kind: 'pairwise', orders: 2, pairs: 3, order_consistency: 2 / 3, position_a_rate: 4 / 6 });
    expect(json.mean_probability as number).toBeCloseTo((p(2, -2) + 0.5 + p(-1.5, 2.5)) / 3, 15);
    expect(json.by_section).toMatchObject({ chat: { pairs: 2, order_consistency: 0.5, position_a_rate: 0.75 }, code: { pairs: 1, order_consistency: 1, position_a_rate: 0.5 } });
    expect(text[0]).toBe('pairwise (both orders): order consistency 66.7% of 3 pairs (chat 50.0%, code 100.0%)');
    expect(text[1]).toMatch(/^pairwise: position A wins 66\.7% of single-order judgements; mean P\(chosen better\) \d+\.\d%$/);
  });
});

describe('bad pairwise models', () => {
  const configOf = (dir: string) => join(dir, 'config.json');

  it('a pairwise block without pair_template, or a pair_template on another kind, is refused when the folder is read', () => {
    const dir = model();
    writeFileSync(configOf(dir), JSON.stringify({ model_type: 'x', rmbench: { scorer: 'pairwise' } }));
    expect(() => readModelFolder(dir)).toThrow(
      `${configOf(dir)}: rmbench.pair_template: needed with scorer "pairwise" (the Jinja template of the text holding question, response_a and response_b)`,
    );
    writeFileSync(configOf(dir), JSON.stringify({ model_type: 'x', rmbench: { pair_template: '{{ response_a }}{{ response_b }}' } }));
    expect(() => readModelFolder(dir)).toThrow(`${configOf(dir)}: rmbench.pair_template: applies to scorer "pairwise" only (this block's scorer is "bradley-terry")`);
  });

  it.each([
    ['{{ question }} {{ response_a }} {{ respons_b }}', 'unknown variable "respons_b" (a pair template has question, response_a, response_b)'],
    ['{{ question }} {{ response_a }}', 'the template never uses response_b: the model would not read both responses'],
    ['{{ question }} {% if %}', 'Jinja syntax error: '],
  ])('a bad template (%j) is a one-line error naming the field', async (template, message) => {
    const dir = model({ pair_template: template });
    const error = await createScorer(dir).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.message.split('\n')).toHaveLength(1);
    expect(error?.message).toContain(`${configOf(dir)}: rmbench.pair_template: ${message}`);
  });

  it('asking a pairwise model for per-response scores, or a column it lacks, is a one-line error', async () => {
    await expect(createResponseScorer(model())).rejects.toThrow('scorer kind pairwise judges two responses together; it has no per-response scores');
    const dir = model({ score_index: 1 });
    const scorer = await createScorer(dir);
    try {
      await expect(scorer.scoreItems([{ prompt: 'q', chosen: ['good'], rejected: ['bad'] }])).rejects.toThrow(
        `${join(dir, 'onnx', 'model.onnx')}: output "logits" has 1 value(s) per pair; rmbench.score_index is 1`,
      );
    } finally {
      await scorer.dispose();
    }
  });
});
