import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectModel, renderInspection } from '../src/scorers/inspect.js';
import { rmbench } from './helpers/cli.js';
import { tempDir } from './helpers/suite.js';
import { PAIR_TEMPLATE, writePairModel } from './helpers/pairwise-model.js';
import { LLAMA3_BOS, writeArmoModel, writeBagOfWordsModel, writeDecoderModel, writeGpmModel } from './helpers/tiny-models.js';

const bow = (options: Parameters<typeof writeBagOfWordsModel>[2] = {}) => {
  const dir = join(tempDir(), 'bow');
  writeBagOfWordsModel(dir, { good: 1, bad: -1 }, options);
  return dir;
};
const decoder = (spec: Partial<Parameters<typeof writeDecoderModel>[1]> = {}) => {
  const dir = join(tempDir(), 'llama-rm');
  writeDecoderModel(dir, { weights: { [LLAMA3_BOS]: 8, '<|eot_id|>': 0.5, good: 1 }, pooling: 'index', positionIds: true, positionWeight: 1 / 32, ...spec });
  return dir;
};

describe('inspectModel', () => {
  it('reports a sound Bradley-Terry folder: kind, inputs and outputs with shapes, text setup, files, no problems', async () => {
    const dir = bow({ tokenTypeIds: true });
    const i = await inspectModel(dir);
    expect(i.problems).toEqual([]);
    expect(i.warnings).toEqual([]);
    expect(i).toMatchObject({
      kind: 'bradley-terry',
      model_type: 'bert',
      dtype: 'fp32',
      onnx_file: 'onnx/model.onnx',
      variants: { fp32: 'onnx/model.onnx', fp16: null, q8: null },
      inputs: [
        { name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] },
        { name: 'attention_mask', type: 'int64', shape: ['batch', 'sequence'] },
        { name: 'token_type_ids', type: 'int64', shape: ['batch', 'sequence'] },
      ],
      outputs: [{ name: 'logits', type: 'float32', shape: ['batch', 1] }],
      kind_outputs: [{ role: 'score', name: 'logits', required: true, present: true }],
      prompt_inputs: false,
      text: { format: { value: 'plain', from: 'default' }, max_length: { value: 512, from: 'tokenizer_config.json' }, truncation_side: { value: 'left', from: 'default' }, add_special_tokens: { value: true } },
      pad_token: { token: '[PAD]', id: 0, source: 'pad_token' },
      padding: { side: { value: 'right', from: 'default' }, probe: { left: 0, right: 0 } },
    });
    expect(i.files.map((f) => f.file)).toEqual(['config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    expect(i.files.every((f) => f.bytes > 0)).toBe(true);
    expect(renderInspection(i).join('\n')).toMatch(/scorer bradley-terry[\s\S]*input_ids: int64 \[batch, sequence\][\s\S]*no problems/);
  });

  it('warns, as run does, of a decoder export padded on the wrong side, beside the fallbacks rmbench handles (missing pad token, double BOS)', async () => {
    const dir = decoder({ rmbench: { padding_side: 'left', add_special_tokens: true }, variants: ['fp16'], externalData: true });
    const i = await inspectModel(dir);
    expect(i.problems).toEqual([]);
    expect(i.warnings).toHaveLength(3);
    expect(i.warnings[0]).toMatch(/no pad_token in tokenizer_config\.json: rmbench pads with eos_token \(id \d+\)/);
    expect(i.warnings[1]).toMatch(/double BOS: the chat template emits <\|begin_of_text\|> and add_special_tokens adds another/);
    expect(i.warnings[2]).toMatch(/padding on the left \(config\.json rmbench block\) changes the outputs \(relative difference [\d.e-]+\): padding on the right does not, so rmbench run pads on the right; set rmbench\.padding_side to "right" to say so/);
    expect(i.padding!.probe!.right).toBe(0);
    expect(i.padding!.probe!.left).toBeGreaterThan(i.padding!.probe!.tolerance);
    expect(i.bos).toEqual({ token: LLAMA3_BOS, template_emits: true, tokenizer_adds: true, double_bos: true });
    expect(i.variants).toEqual({ fp32: 'onnx/model.onnx', fp16: 'onnx/model_fp16.onnx', q8: null });
    expect(i.files.map((f) => f.file)).toEqual([
      'config.json',
      'onnx/model.onnx',
      'onnx/model.onnx_data',
      'onnx/model_fp16.onnx',
      'onnx/model_fp16.onnx_data',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(i.text!.chat_template_head).toMatch(/^\{% set loop_messages = messages %\}/);
    expect(i.outputs).toEqual([{ name: 'logits', type: 'float32', shape: ['batch', 1] }]);
    expect((await inspectModel(dir, { dtype: 'fp16' })).outputs).toEqual([{ name: 'logits', type: 'float16', shape: ['batch', 1] }]);
  });

  it('passes a decoder export with the defaults, warning of its missing pad token; the template alone gives one BOS', async () => {
    const i = await inspectModel(decoder());
    expect(i.problems).toEqual([]);
    expect(i.warnings).toEqual([expect.stringMatching(/no pad_token/)]);
    expect(i.bos).toMatchObject({ template_emits: true, tokenizer_adds: true, double_bos: false });
    expect(i.text!.add_special_tokens).toEqual({ value: false, from: 'default' });
  });

  it('names missing outputs for the kind, unknown inputs and bad dimensions', async () => {
    const armo = join(tempDir(), 'armo');
    writeArmoModel(armo, {
      rewards: { good: [1, 0] },
      gating: {},
      gatingBase: [1, 1],
      transform: [[1, 0], [0, 1]],
      rmbench: { outputs: { gating: 'gates' }, objectives: ['a', 'b', 'c'] },
    });
    const a = await inspectModel(armo);
    expect(a.kind_outputs).toEqual([
      { role: 'rewards', name: 'rewards', required: true, present: true },
      { role: 'gating', name: 'gates', required: true, present: false },
      { role: 'score', name: 'score', required: true, present: true },
    ]);
    expect(a.problems).toEqual([
      'scorer "armorm" needs output "gates" (gating); the graph has rewards, gating_output, score (name them in rmbench.outputs)',
      'rmbench.objectives names 3 objectives; the model has 2',
    ]);
    expect(a.prompt_inputs).toBe(true);

    const gpm = join(tempDir(), 'gpm');
    writeGpmModel(gpm, { embedding: { good: [1, 0, 0] } });
    expect((await inspectModel(gpm)).problems).toEqual(['output embedding has 3 values per response; a GPM embedding needs an even dimension']);

    const unknown = bow({ extraInputs: ['pixel_values'] });
    expect((await inspectModel(unknown)).problems).toEqual([expect.stringMatching(/^unknown input pixel_values: rmbench feeds input_ids, attention_mask/)]);
  });
});

describe('rmbench inspect (subprocess)', () => {
  it('exits 0 and prints the report for a sound folder; --json is machine-readable', () => {
    const dir = bow();
    const r = rmbench(['inspect', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/bow: scorer bradley-terry/);
    expect(r.stdout).toMatch(/padding side: right \(default\); probe/);
    const j = rmbench(['inspect', dir, '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ kind: 'bradley-terry', problems: [] });
  });

  it('shows a pairwise graph\'s pair template in place of the text format, and the logit it reads', async () => {
    const dir = join(tempDir(), 'pair');
    writePairModel(dir, { weightA: { good: 1 }, weightB: { good: -1 } });
    const i = await inspectModel(dir);
    expect(i.problems).toEqual([]);
    expect(i.text!.pair_template).toBe(PAIR_TEMPLATE);
    expect(i.kind_outputs).toEqual([{ role: 'logit', name: 'logits', required: true, present: true }]);
    expect(renderInspection(i).join('\n')).toContain(`pair template (rmbench.pair_template): ${JSON.stringify(PAIR_TEMPLATE)}`);
  });

  it('exits 1 listing every problem, without a stack trace; warnings alone (a wrong padding side run corrects) do not fail', () => {
    const armo = join(tempDir(), 'armo');
    writeArmoModel(armo, { rewards: { good: [1, 0] }, gating: {}, gatingBase: [1, 1], transform: [[1, 0], [0, 1]], rmbench: { outputs: { gating: 'gates' } } });
    const r = rmbench(['inspect', armo, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ problems: [expect.stringMatching(/^scorer "armorm" needs output "gates"/)] });
    expect(r.stderr).toMatch(/^rmbench: \S+: scorer "armorm" needs output "gates"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const warned = rmbench(['inspect', decoder({ rmbench: { padding_side: 'left' } })]);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stdout).toMatch(/warning: no pad_token[\s\S]*warning: padding on the left[\s\S]*no problems/);
    const missing = rmbench(['inspect', decoder(), '--dtype', 'q8']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/dtype "q8" needs onnx\/model_quantized\.onnx, which is not there/);
  });
});
