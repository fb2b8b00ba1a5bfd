import { rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createResponseScorer } from '../src/scorers/index.js';
import { formatPlain } from '../src/scorers/format.js';
import type { ResponseInput } from '../src/scorers/types.js';
import { bagOfWordsScore, writeBagOfWordsModel } from './helpers/tiny-models.js';
import { tempDir } from './helpers/suite.js';

// Dyadic weights: every sum is exact in float32, in any order.
const WEIGHTS = { good: 1, great: 2, bad: -1, awful: -2.5, sorry: -0.75, sure: 0.5, user: 0.125, assistant: 0.0625, ':': 0.03125 };

const inputs: ResponseInput[] = [
  { prompt: 'Is it good?', response: 'Sure, it is great.' },
  { prompt: 'Is it good?', response: 'Sorry, it is awful and bad.' },
  { prompt: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'good day' }, { role: 'user', content: 'rate it' }], response: 'great great good' },
  { prompt: 'x', response: 'nothing known here' },
  { prompt: 'Is it good?', response: 'Sure, it is great.' },
  { prompt: 'long', response: Array.from({ length: 60 }, (_, i) => (i % 3 ? 'good' : 'bad')).join(' ') },
];

function modelDir(options: Parameters<typeof writeBagOfWordsModel>[2] = {}) {
  const dir = join(tempDir(), 'bow');
  writeBagOfWordsModel(dir, WEIGHTS, options);
  return dir;
}

async function scores(dir: string, run: { tokenBudget?: number; order?: number[] } = {}) {
  const scorer = await createResponseScorer(dir, { tokenBudget: run.tokenBudget });
  try {
    const order = run.order ?? inputs.map((_, i) => i);
    const out = await scorer.scoreResponses(order.map((i) => inputs[i]!));
    const byInput = new Array<number>(inputs.length);
    order.forEach((i, k) => (byInput[i] = out[k]!.score!));
    return { values: byInput, scorer };
  } finally {
    await scorer.dispose();
  }
}

describe('Bradley-Terry scorer on a real ONNX model', () => {
  it('returns the hand-computed reward of each plain-formatted response', async () => {
    const { values, scorer } = await scores(modelDir());
    expect(values).toEqual(inputs.map((x) => bagOfWordsScore(formatPlain(x.prompt, x.response), WEIGHTS)));
    // user : is it good ? assistant : sure , it is great .
    expect(values[0]).toBe(0.125 + 0.03125 + 1 + 0.0625 + 0.03125 + 0.5 + 2);
    expect(scorer.info).toMatchObject({ kind: 'bradley-terry', model: 'bow', config: { text_format: 'plain', truncation_side: 'left', max_length: 512 } });
    expect(scorer.info.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Six responses, five distinct texts, each run once.
    expect(scorer.stats).toMatchObject({ responses: 6, uniqueTexts: 5, uniqueInputs: 5 });
  });

  it('gives identical scores whatever the token budget, batch order and padding side', async () => {
    const right = modelDir();
    const left = modelDir({ rmbench: { padding_side: 'left' } });
    const reference = (await scores(right, { tokenBudget: 4096 })).values;
    for (const dir of [right, left]) {
      for (const tokenBudget of [1, 16, 70, 100_000]) {
        expect((await scores(dir, { tokenBudget })).values).toEqual(reference);
      }
      expect((await scores(dir, { order: [5, 3, 1, 0, 4, 2] })).values).toEqual(reference);
    }
  });

  it('falls back to the CPU with a warning when the requested device cannot load (this install has no CUDA provider)', async () => {
    const dir = modelDir();
    const warnings: string[] = [];
    const scorer = await createResponseScorer(dir, { device: 'cuda', onWarning: (w) => warnings.push(w) });
    try {
      expect(scorer.info.config).toMatchObject({ device: 'cpu', requested_device: 'cuda' });
      expect(warnings.some((w) => /^device "cuda" is unavailable \(.+\); running on cpu instead$/.test(w))).toBe(true);
      const out = await scorer.scoreResponses(inputs);
      expect(out.map((o) => o.score)).toEqual((await scores(dir)).values);
    } finally {
      await scorer.dispose();
    }
  });

  it('truncates on the configured side, keeping the response by default', async () => {
    // "User: x\n\nAssistant: great bad bad" is user : x assistant : great bad bad; 3 tokens kept.
    const input = [{ prompt: 'x', response: 'great bad bad' }];
    const run = async (side: 'left' | 'right') => {
      const scorer = await createResponseScorer(modelDir({ rmbench: { max_length: 3, truncation_side: side } }));
      try {
        return (await scorer.scoreResponses(input))[0]!.score;
      } finally {
        await scorer.dispose();
      }
    };
    expect(await run('left')).toBe(2 - 1 - 1); // great bad bad
    expect(await run('right')).toBe(0.125 + 0.03125); // user : x
  });

  it('applies the chat template when the tokenizer has one, without adding special tokens twice', async () => {
    const template = '{% for m in messages %}{{ bos_token if loop.first }}{{ m.role }} says {{ m.content }} {% endfor %}';
    const dir = modelDir({ bos: '<s>', chatTemplate: template, tokenTypeIds: true });
    const scorer = await createResponseScorer(dir);
    try {
      const [out] = await scorer.scoreResponses([{ prompt: 'good', response: 'great' }]);
      // "<s>user says good assistant says great": one BOS (weight 0), user, good, assistant, great.
      expect(out!.score).toBe(0.125 + 1 + 0.0625 + 2);
      expect(scorer.info.config).toMatchObject({ text_format: 'chat_template', chat_template: template, add_special_tokens: false });
    } finally {
      await scorer.dispose();
    }
  });

  it('prefers by score difference, skew-symmetrically', async () => {
    const scorer = await createResponseScorer(modelDir());
    try {
      const [a, b] = await scorer.scoreResponses(inputs.slice(0, 2));
      expect(scorer.prefer(a!, b!)).toBe(a!.score! - b!.score!);
      expect(scorer.prefer(b!, a!)).toBe(-scorer.prefer(a!, b!));
      expect(scorer.prefer(a!, a!)).toBe(0);
    } finally {
      await scorer.dispose();
    }
  });
});

describe('model folder problems', () => {
  it('names a missing tokenizer and a missing ONNX file', async () => {
    const dir = modelDir();
    rmSync(join(dir, 'tokenizer.json'));
    rmSync(join(dir, 'onnx', 'model.onnx'));
    await expect(createResponseScorer(dir)).rejects.toThrow(/model folder is missing tokenizer\.json, onnx\/model\.onnx/);
  });

  it('names the output the model lacks', async () => {
    const dir = modelDir({ outputName: 'reward' });
    await expect(createResponseScorer(dir)).rejects.toThrow(/no output "logits" \(outputs: reward\); set rmbench\.output in config\.json/);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, rmbench: { output: 'reward' } }));
    const scorer = await createResponseScorer(dir);
    expect((await scorer.scoreResponses([{ prompt: 'a', response: 'good' }]))[0]!.score).toBe(1 + 0.125 + 0.0625 + 2 * 0.03125);
    await scorer.dispose();
  });

  it('rejects an unknown rmbench field and a missing folder', async () => {
    const dir = join(tempDir(), 'm');
    writeBagOfWordsModel(dir, WEIGHTS, { rmbench: { scorer: 'bradley-terry', outptu: 'x' } });
    await expect(createResponseScorer(dir)).rejects.toThrow(/config\.json: rmbench\.: Unrecognized key: "outptu"|rmbench.*outptu/);
    await expect(createResponseScorer(join(dir, 'nope'))).rejects.toThrow(/model folder not found/);
  });
});
