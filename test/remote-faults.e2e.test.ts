/**
 * Faults of remote engines. The server killed mid-run and restarted is the real `rmbench serve`;
 * slow, failing, malformed and wrongly shaped answers come from a small fake engine inside the test
 * (a mock of vLLM, TEI and Triton, which cannot be installed here), some of it proxying to the
 * real server so that a run that survives the faults can be checked against the local scores.
 * All traffic is on 127.0.0.1; every wait is bounded.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import type { Results } from '../src/report/schema.js';
import { CACHE_FORMAT } from '../src/scorers/cache.js';
import { createResponseScorer } from '../src/scorers/index.js';
import type { ScorerOptions } from '../src/scorers/options.js';
import type { ResponseInput } from '../src/scorers/types.js';
import { fakeEngine, forward, json, rmbenchAsync, startServe, type FakeEngine, type ServeProcess } from './helpers/remote.js';
import { tempDir } from './helpers/suite.js';
import { writeBagOfWordsModel } from './helpers/tiny-models.js';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const figures = (r: Results) => ({ subsets: r.subsets, sections: r.sections, overall: r.overall, intervals: r.confidence_intervals });
const dir = tempDir('rmbench-faults-');
const BOW = join(dir, 'bow');
writeBagOfWordsModel(BOW, { sorry: -1, cannot: -0.5, sure: 0.5, here: 0.25, def: 0.125 });
const INPUTS: ResponseInput[] = [
  { prompt: 'hi', response: 'sure here' },
  { prompt: 'hi', response: 'sorry' },
  { prompt: 'why', response: 'cannot' },
];
const FAST: ScorerOptions = { retries: 0, requestTimeoutMs: 5000 };

let server: ServeProcess;
const fakes: FakeEngine[] = [];
const fake = async (...args: Parameters<typeof fakeEngine>) => {
  const f = await fakeEngine(...args);
  fakes.push(f);
  return f;
};

beforeAll(async () => {
  server = await startServe(BOW);
}, 60_000);

afterAll(async () => {
  await Promise.all([server?.stop(), ...fakes.map((f) => f.close())]);
});

/** The error of opening a remote scorer and scoring INPUTS (null when it works). */
async function failure(model: string, options: ScorerOptions): Promise<Error | null> {
  try {
    const scorer = await createResponseScorer(model, options);
    try {
      await scorer.scoreResponses(INPUTS);
    } finally {
      await scorer.dispose();
    }
    return null;
  } catch (err) {
    return err as Error;
  }
}

/** Expects a one-line UserError matching the pattern. */
function expectOneLine(error: Error | null, pattern: RegExp) {
  expect(error).toBeInstanceOf(UserError);
  expect(error!.message).toMatch(pattern);
  expect(error!.message).not.toContain('\n');
}

const VLLM_MODELS = { object: 'list', data: [{ id: 'bow', object: 'model' }] };
const KSERVE_METADATA = {
  name: 'bow',
  versions: ['1'],
  platform: 'onnxruntime_onnx',
  inputs: [
    { name: 'input_ids', datatype: 'INT64', shape: [-1, -1] },
    { name: 'attention_mask', datatype: 'INT64', shape: [-1, -1] },
  ],
  outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, 1] }],
};

describe('slow, failing and malformed engines (a fake engine in the test)', () => {
  it('a request that times out is retried with backoff, then the run fails naming the URL', async () => {
    const engine = await fake((req, res) => {
      if (req.url === '/v1/models') return json(res, 200, VLLM_MODELS);
      setTimeout(() => json(res, 200, { data: [] }), 3000).unref();
    });
    const started = performance.now();
    const error = await failure(`vllm+${engine.url}/bow`, { requestTimeoutMs: 200, retries: 2, retryBackoffMs: 20, concurrency: 1 });
    const elapsed = performance.now() - started;
    expectOneLine(error, new RegExp(`^POST ${engine.url}/pooling: no complete response within 0.2 s after 3 attempts$`));
    expect(engine.hits.filter((h) => h === 'POST /pooling')).toHaveLength(3);
    // 3 timeouts of 200 ms and backoffs of 20 + 40 ms: timers never fire early, so this lower bound
    // holds on any machine (no upper bound: a loaded machine may take longer).
    expect(elapsed).toBeGreaterThan(600);
  });

  it('malformed or wrongly shaped responses fail at once with what was expected', async () => {
    let mode = '';
    const engine = await fake((req, res) => {
      const n = Array.isArray((req.body as { input?: unknown[] })?.input) ? (req.body as { input: unknown[] }).input.length : 0;
      const batch = ((req.body as { inputs?: { shape: number[] }[] })?.inputs?.[0]?.shape?.[0]) ?? 0;
      switch (`${mode} ${req.method} ${req.url}`) {
        case 'vllm-html POST /pooling':
          return json(res, 200, '<html>502 from a proxy</html>');
        case 'vllm-count POST /pooling':
          return json(res, 200, { data: [{ index: 0, data: [1] }] });
        case 'vllm-strings POST /pooling':
          return json(res, 200, { data: Array.from({ length: n }, (_, index) => ({ index, data: ['1.5'] })) });
        case 'vllm-other POST /pooling':
          return json(res, 200, { model: 'someone-else', data: Array.from({ length: n }, (_, index) => ({ index, data: [1] })) });
        case 'tei GET /info':
          return json(res, 200, { model_id: 'bow', model_type: { classifier: { id2label: { 0: 'LABEL_0' } } }, max_client_batch_size: 32 });
        case 'tei POST /predict':
          return json(res, 200, (req.body as { inputs: unknown[] }).inputs.map(() => [{ score: 1, label: 'POSITIVE' }]));
        case 'tei-embed GET /info':
          return json(res, 200, { model_id: 'bow', model_type: { embedding: { pooling: 'cls' } } });
        case 'kserve-shape POST /v2/models/bow/infer':
          return json(res, 200, { model_name: 'bow', outputs: [{ name: 'logits', datatype: 'FP32', shape: [1, 1], data: [0.5] }] });
        case 'kserve-size POST /v2/models/bow/infer':
          return json(res, 200, { outputs: [{ name: 'logits', datatype: 'FP32', shape: [batch, 1], data: [0.5] }] });
        case 'kserve-type POST /v2/models/bow/infer':
          return json(res, 200, { outputs: [{ name: 'logits', datatype: 'INT64', shape: [batch, 1], data: Array(batch).fill(1) }] });
        case 'kserve-missing POST /v2/models/bow/infer':
          return json(res, 200, { outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [batch, 1], data: Array(batch).fill(1) }] });
        case 'kserve-meta GET /v2/models/bow':
          return json(res, 200, { name: 'bow', inputs: KSERVE_METADATA.inputs });
        case 'kserve-int32 GET /v2/models/bow':
          return json(res, 200, { ...KSERVE_METADATA, inputs: [{ name: 'input_ids', datatype: 'FP32', shape: [-1, -1] }] });
      }
      if (req.url === '/v1/models') return json(res, 200, VLLM_MODELS);
      if (req.url === '/v2/models/bow') return json(res, 200, KSERVE_METADATA);
      json(res, 404, { error: `no route ${req.url}` });
    });
    const url = engine.url;
    const cases: [string, string, ScorerOptions, RegExp][] = [
      ['vllm-html', `vllm+${url}/bow`, {}, new RegExp(`^POST ${url}/pooling: the response is not JSON \\(<html>502 from a proxy</html>\\); expected a vLLM pooling response`)],
      ['vllm-count', `vllm+${url}/bow`, {}, new RegExp(`^POST ${url}/pooling: malformed response: 1 entries for 3 inputs; expected a vLLM pooling response`)],
      ['vllm-strings', `vllm+${url}/bow`, {}, /malformed response: data\[0\]\.data is an array of 1, not numbers/],
      ['vllm-other', `vllm+${url}/bow`, {}, /the response is from model "someone-else", not "bow"/],
      ['tei', `tei+${url}`, {}, /malformed response: entry 0 has no prediction for label "LABEL_0" \(labels from \/info: LABEL_0\)/],
      ['tei-embed', `tei+${url}`, {}, /serves "bow" as embedding; rmbench needs a sequence-classification model/],
      ['kserve-shape', `kserve+${url}/bow`, { tokenizer: BOW }, /output "logits" has shape \[1,1\] for a batch of \d+; expected \[\d+, \.\.\.\] \(one row per input text\)/],
      ['kserve-size', `kserve+${url}/bow`, { tokenizer: BOW }, /malformed response: output "logits" has 1 values for shape \[\d+,1\]; expected a KServe v2 inference response/],
      ['kserve-type', `kserve+${url}/bow`, { tokenizer: BOW }, /output "logits" has datatype "INT64"; expected .* with a floating-point datatype/],
      ['kserve-missing', `kserve+${url}/bow`, { tokenizer: BOW }, /malformed response: no output "logits" \(got "probabilities"\)/],
      ['kserve-meta', `kserve+${url}/bow`, { tokenizer: BOW }, new RegExp(`^GET ${url}/v2/models/bow: malformed response: "outputs" is not a list; expected KServe v2 model metadata`)],
      ['kserve-int32', `kserve+${url}/bow`, { tokenizer: BOW }, new RegExp(`^${url}/v2/models/bow: model inputs are \\[input_ids\\]: input input_ids is float32; rmbench feeds int64`)],
    ];
    for (const [m, model, options, pattern] of cases) {
      mode = m;
      const before = engine.hits.length;
      expectOneLine(await failure(model, { ...FAST, retries: 3, ...options }), pattern);
      // Malformed answers are not retried (retries: 3). KServe's load-time padding probe sends two
      // requests (a short text alone, then beside a longer one), and the first may pass.
      const posts = engine.hits.slice(before).filter((h) => h.startsWith('POST')).length;
      if (m === 'kserve-meta' || m === 'kserve-int32' || m === 'tei-embed') expect(posts, m).toBe(0);
      else if (m.startsWith('kserve')) expect(posts, m).toBeLessThanOrEqual(2);
      else expect(posts, m).toBe(1);
    }
  });

  it('429, 5xx, resets and a slow answer are retried, and the run ends with exactly the local scores', async () => {
    let count = 0;
    const flaky = await fake(async (req, res) => {
      if (req.method === 'POST') {
        count++;
        if (count === 1) return void req.socket.destroy(); // connection reset
        if (count === 2) return json(res, 503, { error: 'loading' });
        if (count === 3) return void res.writeHead(429, { 'retry-after': '0.05' }).end('{"error": "Model is overloaded", "error_type": "overloaded"}');
        if (count === 4) return void setTimeout(async () => json(res, 200, (await forward(server.url, req)).body), 800).unref();
        if (count % 5 === 0) return json(res, 502, 'bad gateway');
      }
      const r = await forward(server.url, req);
      json(res, r.status, r.body);
    });
    const args = ['--subsets', 'hep-go,hep-rust', '--no-progress', '--no-cache'];
    const [local, remote] = await Promise.all([
      rmbenchAsync(['run', BOW, '--out', join(dir, 'flaky-local.json'), ...args]),
      rmbenchAsync(['run', `vllm+${flaky.url}/bow`, '--out', join(dir, 'flaky.json'), '--request-timeout', '0.4', '--retries', '3', '--retry-backoff', '10', '--batch-size', '8', '--concurrency', '2', ...args]),
    ]);
    expect(local.code, local.stderr).toBe(0);
    expect(remote.code, remote.stderr).toBe(0);
    expect(readFileSync(join(dir, 'flaky.scores.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'flaky-local.scores.jsonl'), 'utf8'));
    const results = readJson<Results>(join(dir, 'flaky.json'));
    expect(figures(results)).toEqual(figures(readJson<Results>(join(dir, 'flaky-local.json'))));
    // One warning says it retried (further retries are not reported).
    expect(results.warnings).toHaveLength(1);
    expect(results.warnings[0]).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/pooling: .*; retry 1 of 3 in \d+ ms \(further retries are not reported\)/);
    expect(count).toBeGreaterThan(results.timing.batches);
  });
});

describe('the server killed mid-run', () => {
  const cacheDir = join(dir, 'cache');
  const cachedLines = () =>
    existsSync(join(cacheDir, CACHE_FORMAT))
      ? readdirSync(join(cacheDir, CACHE_FORMAT))
          .flatMap((k) => readdirSync(join(cacheDir, CACHE_FORMAT, k)).map((f) => readFileSync(join(cacheDir, CACHE_FORMAT, k, f), 'utf8').split('\n').filter(Boolean).length))
          .reduce((a, b) => a + b, 0)
      : 0;

  it.each(['kserve', 'vllm'] as const)('%s: the run fails with a clear error; after a restart a rerun resumes from the cache and gives identical results', async (engine) => {
    const selection = ['--subsets', 'alpacaeval-hard,llmbar-natural,xstest-should-respond,hep-js'];
    const reference = await rmbenchAsync(['run', BOW, '--out', join(dir, `${engine}-reference.json`), '--no-progress', '--no-cache', ...selection]);
    expect(reference.code, reference.stderr).toBe(0);
    const victim = await startServe(BOW);
    // The engine dies once the run has cached some scores: a proxy in front of the real server
    // forwards requests until then, then stops the server and itself at the next request (the run
    // sends one at a time, so this does not race with it).
    const before = cachedLines();
    const proxy = await fakeEngine(async (req, res) => {
      if (req.method === 'POST' && cachedLines() > before) {
        await victim.stop('SIGKILL');
        req.socket.destroy();
        void proxy.close();
        return;
      }
      const r = await forward(victim.url, req);
      json(res, r.status, r.body);
    });
    const model = (url: string) => (engine === 'kserve' ? `kserve+${url}/bow` : `vllm+${url}/bow`);
    const small = engine === 'kserve' ? ['--tokenizer', BOW, '--token-budget', '48'] : ['--batch-size', '2'];
    const args = (m: string, out: string) => ['run', m, '--out', join(dir, out), '--no-progress', '--cache-dir', cacheDir, '--concurrency', '1', '--retries', '2', '--retry-backoff', '20', ...small, ...selection];
    const killed = await rmbenchAsync(args(model(proxy.url), `${engine}-killed.json`));
    const { code, stderr } = killed;
    const killedAt = cachedLines() - before;
    expect(code, stderr).toBe(1);
    expect(existsSync(join(dir, `${engine}-killed.json`))).toBe(false);
    const message = stderr.trim().split('\n').pop()!;
    expect(message).toMatch(new RegExp(`^rmbench: POST ${proxy.url}/(pooling|v2/models/bow/infer): connection (refused|reset) \\(\\w+\\)( after 3 attempts; is the server running\\?)?$`));
    expect(stderr).not.toMatch(/internal error|\n\s+at /);

    const restarted = await startServe(BOW);
    try {
      const resumed = await rmbenchAsync(args(model(restarted.url), `${engine}-resumed.json`));
      expect(resumed.code, resumed.stderr).toBe(0);
      const results = readJson<Results>(join(dir, `${engine}-resumed.json`));
      expect(results.timing.cached_texts).toBeGreaterThanOrEqual(killedAt);
      expect(results.timing.cached_texts).toBeGreaterThan(0);
      expect(results.timing.cached_texts).toBeLessThan(results.timing.unique_texts);
      expect(figures(results)).toEqual(figures(readJson<Results>(join(dir, `${engine}-reference.json`))));
      expect(readFileSync(join(dir, `${engine}-resumed.scores.jsonl`), 'utf8')).toBe(readFileSync(join(dir, `${engine}-reference.scores.jsonl`), 'utf8'));
    } finally {
      await restarted.stop();
    }
  });
});
