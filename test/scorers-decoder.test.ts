import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createResponseScorer } from '../src/scorers/index.js';
import type { ResponseInput } from '../src/scorers/types.js';
import { tempDir } from './helpers/suite.js';
import { LLAMA3_BOS, Q8_SCALE, writeDecoderModel, type DecoderFixture } from './helpers/tiny-models.js';

const BOS = LLAMA3_BOS;
const SH = '<|start_header_id|>';
const EH = '<|end_header_id|>';
const EOT = '<|eot_id|>';
// EOT is also the padding token (no pad_token: eos is used) and it ends every turn.
const WEIGHTS: Record<string, number> = { [BOS]: 8, [EOT]: 0.5, user: 0.125, assistant: 0.0625, good: 1, bad: -1, fine: 0.25 + 2 ** -12 };
const POSITION = 1 / 32;

/** The Llama-3 template's tokens for a one-turn conversation, written out by hand. */
function llama3Tokens(prompt: string, response: string): string[] {
  // Special tokens are matched whole; the rest splits as the Whitespace pre-tokenizer does.
  const words = (s: string): string[] => s.split(EOT).flatMap((part, i) => [...(i ? [EOT] : []), ...(part.toLowerCase().match(/\w+|[^\w\s]+/gu) ?? [])]);
  return [BOS, SH, 'user', EH, ...words(prompt), EOT, SH, 'assistant', EH, ...words(response), EOT];
}

/** The correct score: every token's weight (unknown words 0) + POSITION * (length - 1). */
function expected(input: ResponseInput, weights = WEIGHTS, position = POSITION): number {
  const tokens = llama3Tokens(input.prompt as string, input.response);
  return tokens.reduce((s, t) => s + (weights[t] ?? 0), 0) + position * (tokens.length - 1);
}

// Different lengths, so every batch pads; one response holds the pad token itself.
const INPUTS: ResponseInput[] = [
  { prompt: 'How is it?', response: 'It is good.' },
  { prompt: 'How is it?', response: 'Bad, bad, bad, and not fine at all, I am afraid to say.' },
  { prompt: 'Say it', response: 'fine' },
  { prompt: 'Say it', response: `good ${EOT} good` },
];

function decoder(spec: Partial<DecoderFixture> = {}): string {
  const dir = join(tempDir(), 'decoder');
  writeDecoderModel(dir, { weights: WEIGHTS, pooling: 'index', positionIds: true, positionWeight: POSITION, ...spec });
  return dir;
}

async function score(dir: string, options: Parameters<typeof createResponseScorer>[1] = {}, inputs = INPUTS) {
  const warnings: string[] = [];
  const scorer = await createResponseScorer(dir, { ...options, onWarning: (m) => warnings.push(m) });
  try {
    const scores = (await scorer.scoreResponses(inputs)).map((o) => o.score!);
    return { scores, warnings, info: scorer.info, stats: scorer.stats };
  } finally {
    await scorer.dispose();
  }
}

describe('decoder classifiers (last-token pooling inside the graph)', () => {
  it('the hand count matches the template: one BOS, the pad token inside the text counted', () => {
    expect(llama3Tokens('Say it', `good ${EOT} good`)).toEqual([BOS, SH, 'user', EH, 'say', 'it', EOT, SH, 'assistant', EH, 'good', EOT, 'good', EOT]);
    // 8 + 0.125 + 0.5 + 0.0625 + 1 + 0.5 + 1 + 0.5 + 13/32
    expect(expected(INPUTS[3]!)).toBe(11.6875 + 13 / 32);
  });

  it('right padding with a graph that gathers at sum(mask) - 1 gives the hand-computed scores', async () => {
    const { scores, warnings, info, stats } = await score(decoder({ pooling: 'index' }), { tokenBudget: 4096 });
    expect(scores).toEqual(INPUTS.map((x) => expected(x)));
    expect(stats.batches).toBe(1);
    expect(info.config).toMatchObject({ padding_side: 'right', text_format: 'chat_template', add_special_tokens: false, pad_token_source: 'eos_token', inputs: ['input_ids', 'attention_mask', 'position_ids'] });
    // Missing pad token: eos is used, and said so; nothing else is wrong.
    expect(warnings).toEqual([expect.stringMatching(/tokenizer has no pad_token; padding with eos_token \(id \d+\)/)]);
  });

  it('left padding (tokenizer_config padding_side) with a graph that reads the last position gives the same scores', async () => {
    const tokenizer = { bos: BOS, specialTokens: [SH, EH, EOT], eos: EOT, padToken: false, chatTemplate: (await import('./helpers/tiny-models.js')).LLAMA3_TEMPLATE, config: { padding_side: 'left' } };
    const { scores, warnings, info } = await score(decoder({ pooling: 'last', tokenizer }), { tokenBudget: 4096 });
    expect(scores).toEqual(INPUTS.map((x) => expected(x)));
    expect(info.config).toMatchObject({ padding_side: 'left' });
    expect(warnings).toHaveLength(1); // only the pad token
    // rmbench.padding_side wins over tokenizer_config.json.
    const right = await score(decoder({ pooling: 'index', tokenizer, rmbench: { padding_side: 'right' } }), { tokenBudget: 4096 });
    expect(right.scores).toEqual(scores);
  });

  it('scores do not depend on the batch: one response per batch gives the same', async () => {
    for (const pooling of ['index', 'last'] as const) {
      const rmbench = { padding_side: pooling === 'index' ? 'right' : 'left' };
      const batched = await score(decoder({ pooling, rmbench }), { tokenBudget: 4096 });
      const alone = await score(decoder({ pooling, rmbench }), { tokenBudget: 1 });
      expect(alone.stats.batches).toBe(INPUTS.length);
      expect(alone.scores).toEqual(batched.scores);
    }
  });

  it('padding on the side the graph does not expect: the padding probe switches to the side that works, says so, and records it', async () => {
    const { scores, warnings, info } = await score(decoder({ pooling: 'index', rmbench: { padding_side: 'left' } }), { tokenBudget: 4096 });
    expect(scores).toEqual(INPUTS.map((x) => expected(x)));
    expect(info.config).toMatchObject({ padding_side: 'right' });
    expect(warnings.join('\n')).toMatch(/padding on the left changes the model's outputs \(relative difference [\d.e-]+\); padding on the right does not, so rmbench pads on the right: set rmbench\.padding_side to "right" to say so/);
  });

  it('works without a position_ids input', async () => {
    const { scores, info } = await score(decoder({ positionIds: false }));
    expect(scores).toEqual(INPUTS.map((x) => expected(x, WEIGHTS, 0)));
    expect(info.config.inputs).toEqual(['input_ids', 'attention_mask']);
  });

  it('keeps one BOS when the template emits it and the tokenizer would add another, warning once', async () => {
    // Default for a chat template: no added special tokens, so one BOS.
    const plain = await score(decoder());
    expect(plain.info.config).toMatchObject({ bos: { token: BOS, template_emits: true, tokenizer_adds: true, double_bos_avoided: false } });
    // Asking for the tokenizer's special tokens too (a naive pipeline) would give two BOS.
    const naive = await score(decoder({ rmbench: { add_special_tokens: true } }));
    expect(naive.scores).toEqual(plain.scores); // BOS weighs 8: counted once
    expect(naive.info.config).toMatchObject({ add_special_tokens: true, bos: { double_bos_avoided: true } });
    const bosWarnings = naive.warnings.filter((w) => /BOS/.test(w));
    expect(bosWarnings).toEqual([expect.stringMatching(/the chat template emits BOS \(<\|begin_of_text\|>\) and the tokenizer adds another \(add_special_tokens\); each text keeps one/)]);
  });

  it('loads a graph whose weights are in an external data file (model.onnx + model.onnx_data) and hashes both', async () => {
    const dir = decoder({ externalData: true });
    const graph = join(dir, 'onnx', 'model.onnx');
    const data = join(dir, 'onnx', 'model.onnx_data');
    expect(existsSync(data)).toBe(true);
    expect(statSync(data).size).toBe(4 * 11); // the float32 weight table: 11 tokens
    const { scores, info } = await score(dir);
    expect(scores).toEqual(INPUTS.map((x) => expected(x)));
    expect(info.sha256).toBe(createHash('sha256').update(readFileSync(graph)).update(readFileSync(data)).digest('hex'));
  });

  it('picks model_fp16.onnx or model_quantized.onnx with dtype, with known scores, and names a missing variant', async () => {
    const dir = decoder({ variants: ['fp16', 'q8'], externalData: true });
    const fp32 = await score(dir);
    const fp16 = await score(dir, { dtype: 'fp16' });
    // fp16 rounds 1/4 + 2^-12 to 1/4; every other weight and every score is exact in fp16.
    expect(fp16.scores).toEqual(INPUTS.map((x) => expected(x, { ...WEIGHTS, fine: 0.25 })));
    expect(fp32.scores[2]! - fp16.scores[2]!).toBe(2 ** -12);
    expect(fp16.info.config).toMatchObject({ dtype: 'fp16', onnx_file: 'onnx/model_fp16.onnx' });
    // q8: weights stored as uint8, (q - 128) / 4: user 1/8 -> 1/4 (round half up), assistant 1/16 -> 0, fine -> 1/4.
    const q8 = await score(dir, { dtype: 'q8' });
    expect(Q8_SCALE).toBe(0.25);
    expect(q8.scores).toEqual(INPUTS.map((x) => expected(x, { ...WEIGHTS, user: 0.25, assistant: 0, fine: 0.25 })));

    const only16 = decoder({ variants: ['fp16'] });
    await expect(createResponseScorer(only16, { dtype: 'q8' })).rejects.toThrow(
      /dtype "q8" needs onnx\/model_quantized\.onnx, which is not there \(present: onnx\/model\.onnx \(fp32\), onnx\/model_fp16\.onnx \(fp16\)\)/,
    );
  });
});
