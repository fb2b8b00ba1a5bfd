/**
 * Remote backends against `rmbench serve` for real: each tiny model is served as a subprocess on
 * 127.0.0.1 over the KServe v2, vLLM-style and TEI-style protocols, and `rmbench run` through each
 * protocol must give exactly the scores of the local run (byte-identical scores files, identical
 * figures), on the shipped RewardBench subsets (long texts included, so truncation is exercised).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import type { Results } from '../src/report/schema.js';
import { createResponseScorer } from '../src/scorers/index.js';
import type { ScorerOptions } from '../src/scorers/options.js';
import { tempDir } from './helpers/suite.js';
import { rmbenchAsync, startServe, type ServeProcess } from './helpers/remote.js';
import { LLAMA3_BOS, RB_ARMO_FIXTURE, RB_GPM_FIXTURE, writeArmoModel, writeBagOfWordsModel, writeDecoderModel, writeGpmModel } from './helpers/tiny-models.js';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const figures = (r: Results) => ({ subsets: r.subsets, sections: r.sections, overall: r.overall, intervals: r.confidence_intervals, length: r.length_bias });
const LIMIT = ['--limit', '6'];

const dir = tempDir('rmbench-serve-');
const BOW = join(dir, 'bow');
const CHAT = join(dir, 'chat');
const ARMO = join(dir, 'armo');
const GPM = join(dir, 'gpm');
writeBagOfWordsModel(BOW, { sorry: -1, cannot: -0.5, sure: 0.5, here: 0.25, def: 0.125, the: 2 ** -6 });
writeDecoderModel(CHAT, {
  weights: { [LLAMA3_BOS]: 8, '<|eot_id|>': 0.5, user: 0.125, assistant: 0.0625, sure: 1, sorry: -1, here: 0.25, the: 2 ** -5 },
  pooling: 'index',
  positionIds: true,
  positionWeight: 1 / 32,
});
writeArmoModel(ARMO, RB_ARMO_FIXTURE);
writeGpmModel(GPM, RB_GPM_FIXTURE);

const servers: Record<string, ServeProcess> = {};
const cacheDir = join(dir, 'cache');

/** rmbench run, expected to succeed; returns the results. */
async function run(name: string, model: string, extra: readonly string[] = []): Promise<Results> {
  const out = join(dir, `${name}.json`);
  const r = await rmbenchAsync(['run', model, '--out', out, '--no-progress', '--cache-dir', cacheDir, ...LIMIT, ...extra]);
  expect(r.code, `${name}: ${r.stderr}`).toBe(0);
  return readJson<Results>(out);
}
const scoresOf = (name: string) => readFileSync(join(dir, `${name}.scores.jsonl`), 'utf8');

beforeAll(async () => {
  const names = { bow: BOW, chat: CHAT, armo: ARMO, gpm: GPM };
  await Promise.all(Object.entries(names).map(async ([name, path]) => (servers[name] = await startServe(path))));
  // The local references, without the cache.
  await Promise.all(Object.entries(names).map(([name, path]) => run(`${name}-local`, path, ['--no-cache'])));
}, 90_000);

afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.stop()));
});

describe('rmbench serve + remote backends give exactly the local scores', () => {
  it('bag-of-words (plain format) through vLLM /pooling and /classify, TEI /predict and KServe', async () => {
    const url = servers.bow!.url;
    const variants: [string, string, string[]][] = [
      ['bow-vllm', `vllm+${url}/bow`, []],
      ['bow-vllm-tok', `vllm+${url}/bow`, ['--tokenizer', BOW, '--batch-size', '7', '--concurrency', '3']],
      ['bow-vllm-classify', `vllm+${url}?endpoint=classify`, []],
      ['bow-tei', `tei+${url}`, ['--batch-size', '64']],
      ['bow-kserve', `kserve+${url}/bow`, ['--tokenizer', BOW, '--token-budget', '512', '--concurrency', '8']],
    ];
    const local = readJson<Results>(join(dir, 'bow-local.json'));
    const results = await Promise.all(variants.map(([name, model, extra]) => run(name, model, extra)));
    variants.forEach(([name], i) => {
      expect(scoresOf(name), name).toBe(scoresOf('bow-local'));
      expect(figures(results[i]!), name).toEqual(figures(local));
      expect(results[i]!.model).toBe('bow');
    });
    const [vllm, , classify, tei, kserve] = results;
    expect(vllm!.model_path).toBe(`vllm+${url}/bow`);
    expect(vllm!.config).toMatchObject({ engine: 'vllm', endpoint: '/pooling', formatting: 'rmbench', text_format: 'plain', served_model: 'bow' });
    expect(classify!.config).toMatchObject({ engine: 'vllm', endpoint: '/classify' });
    expect(tei!.config).toMatchObject({ engine: 'tei', endpoint: '/predict', formatting: 'rmbench', request: { raw_scores: true, truncation_direction: 'Left' } });
    // TEI's batch limit (max_client_batch_size 32) caps --batch-size 64.
    expect(tei!.config.batch_policy).toMatchObject({ kind: 'remote', texts_per_request: 32 });
    expect(kserve!.config).toMatchObject({ engine: 'kserve', endpoint: '/v2/models/bow/infer', device: 'remote', tokenizer: BOW, inputs: ['input_ids', 'attention_mask'] });
    expect(kserve!.model_type).toBe('bradley-terry');
  });

  it('chat template applied by rmbench (vLLM and KServe with --tokenizer) or by the server (vLLM --server-template)', async () => {
    const url = servers.chat!.url;
    const local = readJson<Results>(join(dir, 'chat-local.json'));
    expect(local.config.text_format).toBe('chat_template');
    const variants: [string, string, string[]][] = [
      ['chat-vllm-tok', `vllm+${url}/chat`, ['--tokenizer', CHAT]],
      ['chat-vllm-server', `vllm+${url}/chat`, ['--server-template', '--concurrency', '8']],
      ['chat-kserve', `kserve+${url}/chat`, ['--tokenizer', CHAT]],
    ];
    const results = await Promise.all(variants.map(([name, model, extra]) => run(name, model, extra)));
    variants.forEach(([name], i) => {
      expect(scoresOf(name), name).toBe(scoresOf('chat-local'));
      expect(figures(results[i]!), name).toEqual(figures(local));
    });
    expect(results[0]!.config).toMatchObject({ formatting: 'rmbench', text_format: 'chat_template', add_special_tokens: false, chat_template: local.chat_template });
    expect(results[0]!.chat_template).toBe(local.chat_template);
    expect(results[1]!.config).toMatchObject({ formatting: 'server', text_format: null, chat_template: null });
  });

  it('ArmoRM and GPM (prompt inputs) through KServe: the same scores and scorer reports', async () => {
    const [armo, gpm] = await Promise.all([
      run('armo-kserve', `kserve+${servers.armo!.url}/armo`, ['--tokenizer', ARMO, '--token-budget', '1024']),
      run('gpm-kserve', `kserve+${servers.gpm!.url}/gpm`, ['--tokenizer', GPM]),
    ]);
    for (const [name, remote] of [
      ['armo', armo],
      ['gpm', gpm],
    ] as const) {
      const local = readJson<Results>(join(dir, `${name}-local.json`));
      expect(scoresOf(`${name}-kserve`), name).toBe(scoresOf(`${name}-local`));
      expect(figures(remote), name).toEqual(figures(local));
      expect(remote.scorer_report, name).toEqual(local.scorer_report);
      expect(remote.model_type).toBe(local.model_type);
      expect(remote.config.inputs).toEqual(['input_ids', 'attention_mask', 'prompt_input_ids', 'prompt_attention_mask']);
    }
    expect(armo.model_type).toBe('armorm');
    expect(gpm.model_type).toBe('gpm');
  });

  it('remote scores go to the score cache: a second run sends no scoring request', async () => {
    const url = servers.bow!.url;
    const variants = [
      ['cache-vllm', `vllm+${url}/bow`, ['--subsets', 'hep-go']],
      ['cache-kserve', `kserve+${url}/bow`, ['--subsets', 'hep-go', '--tokenizer', BOW]],
    ] as const;
    await Promise.all(
      variants.map(async ([name, model, extra]) => {
        const fresh = join(dir, `${name}-cache`);
        const first = await run(`${name}-1`, model, [...extra, '--cache-dir', fresh]);
        const second = await run(`${name}-2`, model, [...extra, '--cache-dir', fresh]);
        expect(first.timing.cached_texts).toBe(0);
        expect(second.timing).toMatchObject({ batches: 0, unique_inputs: 0, cached_texts: first.timing.unique_texts });
        expect(scoresOf(`${name}-2`)).toBe(scoresOf(`${name}-1`));
      }),
    );
  });

  it('shards scored by different servers merge into exactly the unsharded local results', async () => {
    const other = await startServe(BOW);
    try {
      const shards = await Promise.all(
        [servers.bow!, other].map((s, i) => run(`bow-shard-${i + 1}`, `vllm+${s.url}/bow`, ['--shard', `${i + 1}/2`, '--concurrency', String(2 + i)])),
      );
      expect(shards[0]!.model_path).not.toBe(shards[1]!.model_path);
      const merged = await rmbenchAsync(['merge', join(dir, 'bow-shard-2.json'), join(dir, 'bow-shard-1.json'), '--out', join(dir, 'bow-merged.json')]);
      expect(merged.code, merged.stderr).toBe(0);
      expect(figures(readJson<Results>(join(dir, 'bow-merged.json')))).toEqual(figures(readJson<Results>(join(dir, 'bow-local.json'))));
      expect(scoresOf('bow-merged')).toBe(scoresOf('bow-local'));
    } finally {
      await other.stop();
    }
  });

  it('a served model that does not match the run fails at once with one line naming the URL and what was expected', async () => {
    const bow = servers.bow!.url;
    const cases: [string, ScorerOptions, RegExp][] = [
      [`vllm+${bow}/other-rm`, {}, new RegExp(`the server at ${bow} serves "bow", not "other-rm" \\(GET /v1/models\\)`)],
      [`tei+${bow}/other-rm`, {}, new RegExp(`the server at ${bow} serves "bow", not "other-rm" \\(GET /info\\)`)],
      [`kserve+${bow}/other-rm`, { tokenizer: BOW }, new RegExp(`the server at ${bow} has no model "other-rm" \\(GET /v2/models/other-rm: HTTP 404`)],
      [`kserve+${bow}/bow`, {}, /KServe takes token tensors, so rmbench tokenises: give --tokenizer DIR/],
      // The tokenizer folder says ArmoRM; the served graph has only logits.
      [`kserve+${bow}/bow`, { tokenizer: ARMO }, new RegExp(`${bow}/v2/models/bow: no output "rewards", "gating_output", "score" \\(outputs: logits\\)`)],
      [`vllm+${bow}/bow`, { tokenizer: ARMO }, /declares scorer "armorm"; vllm returns one score vector per text/],
      // The text routes of an ArmoRM server refuse (it reads the prompt on its own).
      [`tei+${servers.armo!.url}`, {}, /serves "armo" as rmbench; rmbench needs a sequence-classification model/],
      [BOW, { tokenizer: BOW, concurrency: 2 }, /--tokenizer, --concurrency: not used by .*\(a model folder\) \(it takes --dtype, --device, --threads, --token-budget, --batch-size\)/],
      [`vllm+${bow}/bow`, { dtype: 'fp16' as const }, /--dtype: not used by vllm\+http/],
      [`triton+${bow}/bow`, {}, /unknown engine "triton" \(expected one of: vllm, tei, kserve\)/],
      [`vllm+${bow}/bow?endpoint=embed`, {}, /endpoint must be "pooling" or "classify", got "embed"/],
    ];
    for (const [model, options, pattern] of cases) {
      const error = await createResponseScorer(model, { ...options, ...(model.includes('+') ? { retries: 0 } : {}) }).then(
        async (s) => (await s.dispose(), new Error('no error')),
        (e: Error) => e,
      );
      expect(error, model).toBeInstanceOf(UserError);
      expect(error.message, model).toMatch(pattern);
      expect(error.message).not.toContain('\n');
    }
    // Through the CLI: one line, no stack, exit 1; a text route refusing a request answers 400 (not retried).
    const cli: [string[], RegExp][] = [
      [['run', `vllm+${bow}/other-rm`], /^rmbench: vllm\+http:.*serves "bow", not "other-rm"/],
      [['run', `vllm+${servers.armo!.url}/armo`], /^rmbench: POST http:.*\/pooling: HTTP 400 Bad Request: armo is a armorm model that reads the prompt on its own.*use KServe/],
    ];
    const results = await Promise.all(cli.map(([args]) => rmbenchAsync([...args, '--no-progress', '--limit', '1', '--out', join(dir, 'mismatch.json')])));
    results.forEach((r, i) => {
      expect(r.code, cli[i]![0].join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(cli[i]![1]);
    });
  });

  it('serve answers the three protocols\' metadata routes on 127.0.0.1 only', async () => {
    const { url, port } = servers.armo!;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const meta = (await (await fetch(`${url}/v2/models/armo`)).json()) as { inputs: { name: string; datatype: string }[]; outputs: { name: string }[] };
    expect(meta.inputs.map((i) => `${i.name}:${i.datatype}`)).toEqual(['input_ids:INT64', 'attention_mask:INT64', 'prompt_input_ids:INT64', 'prompt_attention_mask:INT64']);
    expect(meta.outputs.map((o) => o.name)).toEqual(['rewards', 'gating_output', 'score']);
    const models = (await (await fetch(`${servers.bow!.url}/v1/models`)).json()) as { data: { id: string; max_model_len: number }[] };
    expect(models.data).toMatchObject([{ id: 'bow', max_model_len: 512 }]);
    // vLLM applies the classifier activation unless use_activation is false; TEI unless raw_scores.
    const pooled = await fetch(`${servers.bow!.url}/pooling`, { method: 'POST', body: JSON.stringify({ input: ['sure here', 'sorry'] }) });
    expect(((await pooled.json()) as { data: { data: number[] }[] }).data.map((d) => d.data[0])).toEqual([1 / (1 + Math.exp(-0.75)), 1 / (1 + Math.exp(1))]);
  });
});
