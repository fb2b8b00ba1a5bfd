/**
 * Bad requests to `rmbench serve`, run as a real subprocess on 127.0.0.1 (issue 17, part B): huge
 * texts are refused (413) or scored as the end the model reads, token ids outside the vocabulary
 * and malformed KServe tensors get a 400 with a message (never a 500), the server answers its
 * health checks right after, and a folder it cannot serve right is refused at start (exit 1, one line).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { rmbenchAsync, startServe, type ServeProcess } from '../helpers/remote.js';
import { tempDir } from '../helpers/suite.js';
import { writeBagOfWordsModel } from '../helpers/tiny-models.js';

// use-lite-bt: the tokenizer that overflowed the stack on long texts, and a 128-token limit.
const USE_LITE = join(ROOT, 'models', 'use-lite-bt');
const VOCABULARY = 8000;
let server: ServeProcess;

beforeAll(async () => {
  server = await startServe(USE_LITE);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** The error message of any of the three protocols' error bodies. */
const messageOf = (body: Record<string, unknown>): string => {
  const error = body.error;
  return typeof error === 'string' ? error : String((error as { message?: unknown } | undefined)?.message);
};

/** The server still answers every protocol's health and metadata routes. */
async function expectHealthy(): Promise<void> {
  for (const path of ['/health', '/v2/health/ready', '/v2/health/live', '/v1/models']) {
    const r = await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    expect(r.status, path).toBe(200);
  }
}

function expectRefusal(r: { status: number; body: Record<string, unknown> }, status: number, message: RegExp): void {
  expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(status);
  expect(messageOf(r.body)).toMatch(message);
}

/** Whole sentences of real words, at least `chars` characters. */
const longText = (chars: number) => {
  const sentence = 'Sure, here is a long answer that keeps going with the same few words again and again. ';
  return sentence.repeat(Math.ceil(chars / sentence.length));
};

describe('rmbench serve: huge texts', () => {
  it('an 8 MB text is refused with 413 on every text route, and health checks answer right after', async () => {
    const huge = longText(8_000_000);
    expectRefusal(await post('/predict', { inputs: huge }), 413, /the request's texts have \d+ characters; at most 2000000 per request/);
    await expectHealthy();
    expectRefusal(await post('/pooling', { input: [huge] }), 413, /at most 2000000 per request/);
    expectRefusal(await post('/classify', { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: huge }] }), 413, /at most 2000000 per request/);
    await expectHealthy();
  });

  it('a 1.5 MB text truncated scores exactly as its end; untruncated it is refused as over 128 tokens', async () => {
    const tail = 'And that is all: sure, here it is.';
    const long = `${longText(1_500_000)}${tail}`;
    const short = `${longText(6_000)}${tail}`;
    const score = async (text: string) => {
      const r = await post('/pooling', { input: text, truncate_prompt_tokens: -1, truncation_side: 'left', use_activation: false });
      expect(r.status, messageOf(r.body)).toBe(200);
      return (r.body.data as { data: number[] }[])[0]!.data[0];
    };
    expect(await score(long)).toBe(await score(short));
    const tei = async (text: string) => (await post('/predict', { inputs: text, truncate: true, truncation_direction: 'Left', raw_scores: true })).body as unknown as { score: number }[];
    expect((await tei(long))[0]!.score).toBe((await tei(short))[0]!.score);
    expectRefusal(await post('/pooling', { input: long }), 400, /maximum context length is 128 tokens\. However, you requested more than 128 tokens/);
    expectRefusal(await post('/predict', { inputs: long }), 413, /must have less than 128 tokens\. Given: more than 128/);
    expectRefusal(await post('/pooling', { input: Array.from({ length: 5000 }, () => 'hi') }), 413, /the request has 5000 inputs; at most 4096 per request/);
    await expectHealthy();
  });
});

describe('rmbench serve: token ids and tensors', () => {
  const tensor = (name: string, data: unknown, shape: unknown = [1, 3]) => ({ name, datatype: 'INT64', shape, data });
  const infer = (inputs: unknown[]) => post('/v2/models/use-lite-bt/infer', { inputs });
  const mask = tensor('attention_mask', [1, 1, 1]);

  it('KServe: negative, huge or out-of-vocabulary ids, bad masks and mis-shaped data get 400 with a message', async () => {
    const ok = await infer([tensor('input_ids', [5, 6, 7]), mask]);
    expect(ok.status, messageOf(ok.body)).toBe(200);
    const cases: [unknown[], RegExp][] = [
      [[tensor('input_ids', [5, -1, 7]), mask], /input 'input_ids': token id -1 is out of vocabulary \(ids are integers from 0 to 7999\)/],
      [[tensor('input_ids', [5, VOCABULARY, 7]), mask], /token id 8000 is out of vocabulary/],
      [[tensor('input_ids', [5, 9_007_199_254_740_000, 7]), mask], /token id 9007199254740000 is out of vocabulary/],
      [[tensor('input_ids', [5, 2 ** 63, 7]), mask], /input 'input_ids' has values that are not integers/],
      [[tensor('input_ids', [5, 6, 7]), tensor('attention_mask', [1, 2, 1])], /input 'attention_mask' has the value 2; expected 0 or 1/],
      [[tensor('input_ids', [[5, 6], [7]]), mask], /input 'input_ids': data does not match its shape \[1,3\] at axis 0/],
      [[tensor('input_ids', [[[5, 6, 7]]]), mask], /input 'input_ids': data does not match its shape \[1,3\] at axis 1/],
      [[tensor('input_ids', [5, 6, 7], [1, 3, 1, 1, 1, 1, 1, 1, 1]), mask], /has shape \[1,3,1,1,1,1,1,1,1\]; expected 1 to 8 non-negative integer dimensions/],
    ];
    for (const [inputs, message] of cases) expectRefusal(await infer(inputs), 400, message);
    // Nested far deeper than any shape: refused without walking it.
    const deep = `${'['.repeat(5000)}5${']'.repeat(5000)}`;
    const body = `{"inputs": [{"name": "input_ids", "datatype": "INT64", "shape": [1, 3], "data": ${deep}}, ${JSON.stringify(mask)}]}`;
    expectRefusal(await post('/v2/models/use-lite-bt/infer', body), 400, /input 'input_ids': data does not match its shape \[1,3\] at axis 1/);
    await expectHealthy();
  });

  it('vLLM: out-of-vocabulary or negative token ids get 400, not 500', async () => {
    expectRefusal(await post('/pooling', { input: [5, VOCABULARY] }), 400, /^input: token id 8000 is out of vocabulary/);
    expectRefusal(await post('/pooling', { input: [[5, 6], [-3]] }), 400, /^input\[1\]: token id -3 is out of vocabulary/);
    expectRefusal(await post('/classify', { input: [5, 1.5] }), 400, /token id 1\.5 is out of vocabulary/);
    const ok = await post('/pooling', { input: [5, 6, 7] });
    expect(ok.status).toBe(200);
  });

  it('an empty text gets 400 on TEI as on vLLM (not the score of no tokens)', async () => {
    expectRefusal(await post('/predict', { inputs: '' }), 400, /`inputs` cannot be empty/);
    expectRefusal(await post('/pooling', { input: [''] }), 400, /an input has no tokens/);
  });

  it('a path with broken percent-encoding gets 400', async () => {
    const r = await fetch(`${server.url}/v2/models/%E0%A4%A/infer`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(400);
    expect(messageOf((await r.json()) as Record<string, unknown>)).toMatch(/is not valid percent-encoding/);
  });
});

describe('rmbench serve refuses a folder it cannot serve right, at start', () => {
  it.each([
    ['a chat template that renders nothing', { chatTemplate: '{% if false %}x{% endif %}' }, /tokenizer_config\.json: chat_template renders a conversation of 2 message\(s\) to an empty text/],
    ['a chat template that raises', { chatTemplate: "{{ raise_exception('bad') }}" }, /tokenizer_config\.json: chat_template fails on a conversation of 2 message\(s\): bad/],
  ])('%s: exit 1, one line', async (_, options, message) => {
    const dir = join(tempDir(), 'bow');
    writeBagOfWordsModel(dir, { sure: 1 }, options);
    const r = await rmbenchAsync(['serve', dir, '--port', '0'], {}, 30_000);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
