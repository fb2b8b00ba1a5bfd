/**
 * The scalar default model folders built by `npm run build:models` (models/use-lite-bt, -armo, -gpm;
 * use-lite-pairpm has use-lite-pairpm.test.ts): each loads in
 * onnxruntime-node, declares the inputs and outputs its config.json promises, and produces
 * outputs of those shapes on real RewardBench texts; the prompt-conditioned parts (ArmoRM
 * gating, GPM lambda) change with the prompt. A missing folder is built into a temp directory
 * (a few seconds), so the suite also runs before `npm run build:models`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { RmbenchBlockSchema } from '../src/scorers/model-folder.js';
import { buildModel } from '../src/default-models/build.js';
import { MODELS, type ModelName } from '../src/default-models/names.js';
import { evaluationPrompts, trainingPairs } from '../tools/use-lite/data.js';
import { excludeOverlap } from '../src/subsets/overlap.js';
import { splitOf } from '../tools/use-lite/train.js';
import { HEADS_DIR } from '../src/default-models/heads.js';
import type { TrainingReport } from '../src/default-models/model-card.js';
import { formatPlain, formatPromptPlain } from '../tools/use-lite/text.js';
import { MAX_LENGTH } from '../src/default-models/tokenizer.js';
import { loadWeights, weightsPackageVersion } from '../src/default-models/weights.js';
import { hasShared } from './helpers/requires.js';

const SAMPLE = resolve(
  import.meta.dirname,
  '../../shared/data/reward-bench-v1/Hypogenic-AI_llm-thankfulness-claude/datasets/rlhf-preferences/reward_bench_filtered_sample.jsonl',
);
const BUILT = resolve(import.meta.dirname, '../models');

interface Row { prompt: string; chosen: string; rejected: string }

/** Three real rows (or fixed texts when shared/ is absent). */
function rows(): Row[] {
  if (!existsSync(SAMPLE)) {
    return [
      { prompt: 'How do I detail a car?', chosen: 'Wash, clay, polish, wax, then clean the interior.', rejected: 'Just drive it through a car wash.' },
      { prompt: 'Name a prime number above 10.', chosen: '11 is prime.', rejected: '12.' },
      { prompt: 'Write a haiku about rain.', chosen: 'Soft rain on the roof / the gutters hum a low song / the street shines like glass', rejected: 'Rain is wet.' },
    ];
  }
  const all = readFileSync(SAMPLE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
  return [all[0]!, all[150]!, all[420]!];
}

function batch(tokenizer: PreTrainedTokenizer, texts: string[]): { ids: ort.Tensor; mask: ort.Tensor } {
  const ids = texts.map((t) => {
    const all = tokenizer.encode(t, { add_special_tokens: true }) as number[];
    return all.slice(Math.max(0, all.length - MAX_LENGTH));
  });
  const T = Math.max(...ids.map((a) => a.length));
  const inputIds = new BigInt64Array(texts.length * T);
  const mask = new BigInt64Array(texts.length * T);
  ids.forEach((row, b) => row.forEach((id, j) => { inputIds[b * T + j] = BigInt(id); mask[b * T + j] = 1n; }));
  return { ids: new ort.Tensor('int64', inputIds, [texts.length, T]), mask: new ort.Tensor('int64', mask, [texts.length, T]) };
}

const SCALAR_MODELS = MODELS.filter((m): m is Exclude<ModelName, 'use-lite-pairpm'> => m !== 'use-lite-pairpm');

describe('USE Lite default models', () => {
  let tmp: string | undefined;
  const dirs = {} as Record<(typeof SCALAR_MODELS)[number], string>;
  const sessions = {} as Record<(typeof SCALAR_MODELS)[number], ort.InferenceSession>;
  let tokenizer: PreTrainedTokenizer;
  const data = rows();
  const texts = data.map((r) => formatPlain(r.prompt, r.chosen));
  const prompts = data.map((r) => formatPromptPlain(r.prompt));

  beforeAll(async () => {
    let weights: ReturnType<typeof loadWeights> | undefined;
    for (const m of SCALAR_MODELS) {
      if (existsSync(join(BUILT, m, 'onnx', 'model.onnx'))) {
        dirs[m] = join(BUILT, m);
      } else {
        tmp ??= mkdtempSync(join(tmpdir(), 'use-lite-models-'));
        weights ??= loadWeights();
        const report = JSON.parse(readFileSync(join(HEADS_DIR, 'training-report.json'), 'utf8')) as TrainingReport;
        dirs[m] = buildModel(m, tmp, weights, report);
      }
      sessions[m] = await ort.InferenceSession.create(join(dirs[m], 'onnx', 'model.onnx'));
    }
    env.allowRemoteModels = false;
    tokenizer = await AutoTokenizer.from_pretrained(dirs['use-lite-bt'], { local_files_only: true });
  });

  afterAll(async () => {
    for (const s of Object.values(sessions)) await s.release();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  // use-lite-pairpm (scorer "pairwise", not in RmbenchBlockSchema yet) has its own test file.
  it.each(SCALAR_MODELS)('%s has the folder contract files and a valid rmbench block', (m) => {
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'README.md', 'LICENSE']) {
      expect(existsSync(join(dirs[m], f)), f).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(dirs[m], 'config.json'), 'utf8')) as { model_type: string; rmbench: Record<string, unknown> };
    expect(config.model_type).toBe('use-lite');
    const block = RmbenchBlockSchema.parse(config.rmbench);
    expect(block).toMatchObject({ max_length: 128, truncation_side: 'left', text_format: 'plain', onnx_file: 'onnx/model.onnx' });
    expect(block.scorer).toBe({ 'use-lite-bt': 'bradley-terry', 'use-lite-armo': 'armorm', 'use-lite-gpm': 'gpm' }[m]);
    const tokConfig = JSON.parse(readFileSync(join(dirs[m], 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    expect(tokConfig.pad_token).toBeTypeOf('string');
    const card = readFileSync(join(dirs[m], 'README.md'), 'utf8');
    expect(card).toContain(weightsPackageVersion());
    expect(card).toContain('Apache License 2.0');
    expect(readFileSync(join(dirs[m], 'LICENSE'), 'utf8')).toContain('Apache License');
  });

  it('use-lite-bt returns logits [batch, 1]', async () => {
    const s = sessions['use-lite-bt'];
    expect(s.inputNames).toEqual(['input_ids', 'attention_mask']);
    const { ids, mask } = batch(tokenizer, texts);
    const out = await s.run({ input_ids: ids, attention_mask: mask });
    expect(out.logits!.dims).toEqual([3, 1]);
    expect([...(out.logits!.data as Float32Array)].every(Number.isFinite)).toBe(true);
  });

  it('use-lite-armo returns rewards, gating and the score its transform implies; gating follows the prompt', async () => {
    const s = sessions['use-lite-armo'];
    expect(s.inputNames).toEqual(['input_ids', 'attention_mask', 'prompt_input_ids', 'prompt_attention_mask']);
    const config = JSON.parse(readFileSync(join(dirs['use-lite-armo'], 'config.json'), 'utf8')) as { rmbench: { objectives: string[]; transform: number[][] } };
    const k = config.rmbench.objectives.length;
    const { ids, mask } = batch(tokenizer, texts);
    const run = async (ps: string[]) => {
      const p = batch(tokenizer, ps);
      return s.run({ input_ids: ids, attention_mask: mask, prompt_input_ids: p.ids, prompt_attention_mask: p.mask });
    };
    const out = await run(prompts);
    expect(out.rewards!.dims).toEqual([3, k]);
    expect(out.gating_output!.dims).toEqual([3, k]);
    expect(out.score!.dims).toEqual([3]);
    const r = out.rewards!.data as Float32Array;
    const g = out.gating_output!.data as Float32Array;
    const M = config.rmbench.transform;
    for (let b = 0; b < 3; b++) {
      let want = 0;
      for (let c = 0; c < k; c++) {
        let adjusted = 0;
        for (let j = 0; j < k; j++) adjusted += r[b * k + j]! * M[j]![c]!;
        want += g[b * k + c]! * adjusted;
      }
      expect((out.score!.data as Float32Array)[b]).toBeCloseTo(want, 4);
    }
    // Same prompt+response inputs, other prompts: the gating (and only it) changes.
    const other = await run([prompts[1]!, prompts[2]!, prompts[0]!]);
    expect(other.rewards!.data).toEqual(out.rewards!.data);
    const change = Math.max(...[...g].map((v, i) => Math.abs(v - (other.gating_output!.data as Float32Array)[i]!)));
    expect(change).toBeGreaterThan(1e-4);
  });

  it('use-lite-gpm returns unit embeddings [batch, d] and lambda [batch, d/2] that follows the prompt', async () => {
    const s = sessions['use-lite-gpm'];
    expect(s.inputNames).toEqual(['input_ids', 'attention_mask', 'prompt_input_ids', 'prompt_attention_mask']);
    const { ids, mask } = batch(tokenizer, texts);
    const run = async (ps: string[]) => {
      const p = batch(tokenizer, ps);
      return s.run({ input_ids: ids, attention_mask: mask, prompt_input_ids: p.ids, prompt_attention_mask: p.mask });
    };
    const out = await run(prompts);
    const [n, d] = out.embedding!.dims as number[];
    expect(n).toBe(3);
    expect([4, 8]).toContain(d);
    expect(out.lambda!.dims).toEqual([3, d! / 2]);
    const e = out.embedding!.data as Float32Array;
    const lam = out.lambda!.data as Float32Array;
    for (let b = 0; b < 3; b++) {
      expect(Math.hypot(...e.subarray(b * d!, (b + 1) * d!))).toBeCloseTo(1, 5);
      expect(lam.subarray((b * d!) / 2, ((b + 1) * d!) / 2).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    }
    const other = await run([prompts[1]!, prompts[2]!, prompts[0]!]);
    expect(other.embedding!.data).toEqual(out.embedding!.data);
    const change = Math.max(...[...lam].map((v, i) => Math.abs(v - (other.lambda!.data as Float32Array)[i]!)));
    expect(change).toBeGreaterThan(1e-4);
  });

  it.skipIf(!hasShared('data'))('use-lite-bt reproduces the test accuracy of its training report', async () => {
    // The exported graph (encoder + head) must score the held-out pairs as the training code did.
    const report = JSON.parse(readFileSync(join(HEADS_DIR, 'training-report.json'), 'utf8')) as TrainingReport;
    const kept = excludeOverlap(trainingPairs(), (p) => p.prompt, await evaluationPrompts()).kept;
    const test = kept.filter((p) => splitOf(formatPromptPlain(p.prompt)) === 'test');
    expect(test.length).toBe(report.models['use-lite-bt'].test.all!.pairs);
    const s = sessions['use-lite-bt'];
    let correct = 0;
    for (let i = 0; i < test.length; i += 64) {
      const ps = test.slice(i, i + 64);
      const score = async (texts: string[]) => {
        const { ids, mask } = batch(tokenizer, texts);
        return (await s.run({ input_ids: ids, attention_mask: mask })).logits!.data as Float32Array;
      };
      const c = await score(ps.map((p) => formatPlain(p.prompt, p.chosen)));
      const r = await score(ps.map((p) => formatPlain(p.prompt, p.rejected)));
      correct += ps.filter((_, k) => c[k]! > r[k]!).length;
    }
    expect(correct / test.length).toBeCloseTo(report.models['use-lite-bt'].test.all!.accuracy, 3);
  });
});
