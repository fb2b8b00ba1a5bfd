/**
 * @file The dpo kind over the causal-LM backend, in process (src/bench/run.ts): reference-free sum
 * and avg; settings from config.json's rmbench block alone, with truncation recorded; the score
 * cache (a second run computes nothing); shards merged equal to the unsharded run; contradictory
 * settings, options the backend does not take and logits of the wrong rank as one-line errors.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { run, type RunOptions } from '../src/bench/run.js';
import { mergeShards } from '../src/bench/merge.js';
import { createScorer } from '../src/scorers/index.js';
import { inspectModel, renderInspection } from '../src/scorers/inspect.js';
import { SAMPLE } from '../src/dpo/inspect.js';
import type { ItemOutcome, PairOutcome } from '../src/report/schema.js';
import { MISMATCHED_TEMPLATE, referenceResponseLogprob, writeCausalLm } from './helpers/causal-lm.js';
import { expectedLogprobs, ROWS, SUITE, within, writeDpoFixture, type DpoFixture } from './helpers/dpo-suite.js';
import { tempDir } from './helpers/suite.js';

let f: DpoFixture;
const score = (model: string, options: Partial<RunOptions> = {}) => run({ model: join(f.dir, model), manifest: f.manifest, suite: SUITE, ...options });
const pairs = (outcomes: readonly ItemOutcome[]) => outcomes as PairOutcome[];

async function expectUserError(promise: Promise<unknown>, message: RegExp) {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  expect((err as Error).message).not.toContain('\n');
  expect((err as Error).message).toMatch(message);
}

beforeAll(() => {
  f = writeDpoFixture(tempDir('rmbench-dpo-scoring-'));
});

describe('the dpo kind', () => {
  it('scores reference-free by the summed log-prob or its per-token mean', async () => {
    for (const mode of ['sum', 'avg'] as const) {
      const { results, pairs: outcomes } = await score('policy', { scorer: { referenceFree: mode } });
      pairs(outcomes).forEach((o, i) => {
        const c = expectedLogprobs(f, ROWS[i]!.prompt, ROWS[i]!.chosen);
        expect(o.chosen_outputs!.reference_logprob).toBeUndefined();
        expect(within(o.chosen_score!, mode === 'sum' ? c.policy : c.policy / c.tokens)).toBe(true);
      });
      expect(results.scorer_report).toMatchObject({ reward: mode, beta: null, reference_ranking_accuracy: null, moved_wrong_to_right: null });
      expect(results.config).toMatchObject({ reward: mode, reference: null });
    }
  });

  it('runs from the rmbench block alone (reference relative to the folder, beta, max_length) and records truncations', async () => {
    const folder = join(f.dir, 'configured');
    writeCausalLm(folder, { seed: 1, positionIds: true, scale: 2 });
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, rmbench: { scorer: 'dpo', reference: '../reference', beta: 0.25, max_length: 12 } }));
    const { results, pairs: outcomes } = await score('configured');
    let truncated = 0;
    pairs(outcomes).forEach((o, i) => {
      const c = expectedLogprobs(f, ROWS[i]!.prompt, ROWS[i]!.chosen, 12);
      const x = expectedLogprobs(f, ROWS[i]!.prompt, ROWS[i]!.rejected, 12);
      truncated += Number(c.promptTruncated) + Number(x.promptTruncated);
      expect(o.chosen_outputs!.truncation).toEqual([Number(c.promptTruncated), 0]);
      expect(within(o.chosen_score!, 0.25 * (c.policy - c.reference))).toBe(true);
      expect(within(o.rejected_score!, 0.25 * (x.policy - x.reference))).toBe(true);
    });
    expect(truncated).toBeGreaterThan(0);
    expect(results.scorer_report).toMatchObject({ beta: 0.25, truncated_prompts: truncated, truncated_responses: 0 });
  });
});

describe('cache and shards', () => {
  it('a second run reads every score from the cache and computes nothing', async () => {
    const cacheDir = tempDir('rmbench-dpo-cache-');
    const first = await score('policy', { scorer: { reference: join(f.dir, 'reference') }, cacheDir });
    const second = await score('policy', { scorer: { reference: join(f.dir, 'reference') }, cacheDir });
    expect(first.results.timing.batches).toBeGreaterThan(0);
    expect(second.results.timing.cached_texts).toBe(second.results.timing.unique_texts);
    expect(second.results.timing.batches).toBe(0);
    expect(second.pairs).toEqual(first.pairs);
    // Another beta reads the same cached log-probs (the kind's setting, not the backend's).
    const other = await score('policy', { scorer: { reference: join(f.dir, 'reference'), beta: 1 }, cacheDir });
    expect(other.results.timing.batches).toBe(0);
    pairs(other.pairs).forEach((o, i) => expect(o.chosen_score).toBeCloseTo(pairs(first.pairs)[i]!.chosen_score! * 10, 9));
  });

  it('shards merged equal the unsharded run, diagnostics included', async () => {
    const scorer = { reference: join(f.dir, 'reference') };
    const whole = await score('policy', { scorer });
    const shards = await Promise.all(
      [1, 2].map(async (index) => {
        const { results, pairs: outcomes } = await score('policy', { scorer, shard: { index, count: 2 } });
        return { path: `shard-${index}`, results: { ...results, scores_file: `shard-${index}.scores.jsonl` }, pairs: outcomes };
      }),
    );
    const merged = mergeShards(shards, { manifest: f.manifest });
    const byKey = (outcomes: readonly ItemOutcome[]) => Object.fromEntries(outcomes.map((o) => [o.key, o]));
    expect(byKey(merged.pairs)).toEqual(byKey(whole.pairs));
    expect(merged.results.scorer_report).toEqual(whole.results.scorer_report);
    expect(merged.report).toEqual((await score('policy', { scorer })).report);
  });
});

describe('bad settings: one-line errors', () => {
  it('refuses contradictory settings, options a causal LM does not take, a policy without a reference, and logits of the wrong rank', async () => {
    const policy = join(f.dir, 'policy');
    const reference = join(f.dir, 'reference');
    await expectUserError(createScorer(policy, { referenceFree: 'avg', beta: 0.2 }), /^--beta: applies with a reference model only/);
    await expectUserError(createScorer(policy, { reference, referenceFree: 'sum' }), /^--reference and --reference-free: give one/);
    await expectUserError(createScorer(policy, { reference, tokenBudget: 64 }), /^--token-budget: not used by "\/.*policy" \(a causal-LM folder\) \(it takes --dtype, --device, --threads, --reference, --beta, --reference-free\)/);
    // A reward-model folder takes no DPO flags but --reference itself, which makes it a policy.
    await expectUserError(createScorer(policy, { beta: 0.2 }), /^--beta: not used by "\/.*policy" \(a model folder\)/);
    const bare = join(f.dir, 'bare');
    writeCausalLm(bare, { seed: 1 });
    writeFileSync(join(bare, 'config.json'), JSON.stringify({ model_type: 'llama', rmbench: { scorer: 'dpo' } }));
    await expectUserError(createScorer(bare), /bare: a DPO policy needs --reference DIR or --reference-free sum\|avg/);
    writeCausalLm(join(f.dir, 'rank2'), { seed: 5, logitsRank: 2 });
    await expectUserError(createScorer(join(f.dir, 'rank2'), { referenceFree: 'sum' }), /rank2\/onnx\/model\.onnx: output "logits" is \[batch, \d+\] \(rank 2\); a causal LM returns logits \[batch, sequence, vocab\]/);
  });
});

describe('rmbench inspect on a causal-LM folder', () => {
  it('shows the vocab, logits shape, inputs and the sample split into prompt and response tokens, with its log-prob', async () => {
    const i = await inspectModel(join(f.dir, 'policy'));
    expect(i.problems).toEqual([]);
    expect(i.kind).toBe('dpo');
    const vocab = f.policy.vocab.size;
    expect(i.causal_lm).toMatchObject({ vocab_size: { graph: vocab, tokenizer: vocab }, logits: { shape: ['batch', 'sequence', vocab], type: 'float32' }, inputs: ['input_ids', 'attention_mask', 'position_ids'], opset: 17 });
    // Word-level vocabulary: words it lacks read as [UNK]; newlines are not tokens.
    const words = (text: string) => text.replace(/([?.])/g, ' $1').split(' ').map((w) => (f.policy.vocab.has(w.toLowerCase()) ? w.toLowerCase() : '[UNK]'));
    const prompt = ['<|im_start|>', 'user', ...words(SAMPLE.prompt), '<|im_end|>', '<|im_start|>', 'assistant'];
    const response = [...words(SAMPLE.response), '<|im_end|>'];
    expect(i.causal_lm!.sample).toMatchObject({ prompt_tokens: prompt, response_tokens: response });
    const ids = [...prompt, ...response].map((t) => f.policy.vocab.get(t)!);
    expect(within(i.causal_lm!.sample!.logprob!, referenceResponseLogprob(f.policy, ids, prompt.length))).toBe(true);
    const text = renderInspection(i).join('\n');
    expect(text).toContain(`causal LM: vocab ${vocab} (graph) / ${vocab} (tokenizer); logits float32 [batch, sequence, ${vocab}]`);
    expect(text).toContain(`response tokens (${response.length}, scored)`);
  });

  it('reports a template that renders the prompt differently once a response is appended as a problem', async () => {
    writeCausalLm(join(f.dir, 'mismatched'), { seed: 4, chatTemplate: MISMATCHED_TEMPLATE });
    const i = await inspectModel(join(f.dir, 'mismatched'));
    expect(i.problems).toHaveLength(1);
    expect(i.problems[0]).toMatch(/chat_template renders the prompt differently once a response is appended/);
  });
});
