/**
 * The chat judge backend against a scripted OpenAI-compatible server (OpenAI's and vLLM's response
 * shapes): model check, request bodies, API key handling, retries on 429/5xx/timeouts, answers and
 * usage, cache keys.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { ChatBackend, chatRequestKey, type ChatJudgeOptions } from '../src/judge/chat-backend.js';
import { isOpenAiModel, parseOpenAiModel } from '../src/judge/openai-url.js';
import { openAiServer, wordCount, type OpenAiServer, type OpenAiServerOptions } from './helpers/openai-server.js';

const servers: OpenAiServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function serve(options: OpenAiServerOptions): Promise<OpenAiServer> {
  const server = await openAiServer(options);
  servers.push(server);
  return server;
}
const FAST: ChatJudgeOptions = { retries: 2, retryBackoffMs: 5, requestTimeoutMs: 2000 };
const NO_KEY = {};
const spec = (server: OpenAiServer, model = 'judge/model-1') => `openai+${server.url}/${model}`;

describe('openai+ model arguments', () => {
  it('parse host, port and a model with slashes', () => {
    expect(parseOpenAiModel('openai+http://10.0.0.5:8000/meta-llama/Llama-3.1-8B-Instruct')).toEqual({
      spec: 'openai+http://10.0.0.5:8000/meta-llama/Llama-3.1-8B-Instruct',
      base: 'http://10.0.0.5:8000',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
    });
    expect(parseOpenAiModel('OPENAI+HTTPS://api.openai.com/gpt-4o-2024-08-06/')).toMatchObject({ base: 'https://api.openai.com', model: 'gpt-4o-2024-08-06' });
    expect(isOpenAiModel('openai+http://h:1/m')).toBe(true);
    expect(isOpenAiModel('vllm+http://h:1/m')).toBe(false);
    expect(isOpenAiModel('models/use-lite-rm')).toBe(false);
  });

  it.each([
    ['openai+http://h:8000', 'name the model: openai+http://HOST:PORT/MODEL'],
    ['openai+http://h:8000/', 'name the model'],
    ['openai+http://user:sk-secret@h:8000/m', 'credentials in the URL are not supported'],
    ['openai+http://h:8000/m?temperature=1', 'the URL takes no query options'],
    ['openai+http://h:8000/m#x', 'a URL fragment'],
    ['openai+http://[bad/m', 'not a valid URL'],
    ['vllm+http://h:1/m', 'is not a chat judge'],
  ])('refuse %s', (arg, message) => {
    expect(() => parseOpenAiModel(arg)).toThrow(UserError);
    expect(() => parseOpenAiModel(arg)).toThrow(message);
  });
});

describe('opening a chat judge', () => {
  it.each(['openai', 'vllm'] as const)('checks the model against GET /v1/models (%s shapes) and sends no POST', async (flavour) => {
    const server = await serve({ flavour, models: ['other', 'judge/model-1'], reply: () => '[[A]]' });
    const backend = await ChatBackend.open(spec(server), FAST, NO_KEY);
    expect(backend.describe()).toEqual({ model: 'judge/model-1', config: { url: spec(server), temperature: 0, max_tokens: 2048, api_key_env: null } });
    expect([server.modelListings(), server.posts()]).toEqual([1, 0]);
    await expect(ChatBackend.open(spec(server, 'judge/model-2'), FAST, NO_KEY)).rejects.toThrow(`${spec(server, 'judge/model-2')}: ${server.url} serves "other", "judge/model-1", not "judge/model-2"`);
  });

  it('refuses https without a key and a named key variable that is unset, before sending anything', async () => {
    await expect(ChatBackend.open('openai+https://127.0.0.1:1/m', FAST, NO_KEY)).rejects.toThrow('openai+https://127.0.0.1:1/m: an https server needs an API key: set $OPENAI_API_KEY');
    await expect(ChatBackend.open('openai+http://127.0.0.1:1/m', { ...FAST, apiKeyEnv: 'JUDGE_KEY' }, { OPENAI_API_KEY: 'x' })).rejects.toThrow('$JUDGE_KEY (--api-key-env) is not set or empty');
    await expect(ChatBackend.open('openai+https://127.0.0.1:1/m', FAST, { OPENAI_API_KEY: '' })).rejects.toThrow('needs an API key');
  });

  it('sends the key as a Bearer token, from $OPENAI_API_KEY or a named variable, and never shows it', async () => {
    const key = 'sk-test-0123456789abcdef';
    const server = await serve({ apiKey: key, reply: () => '[[B]]' });
    const viaDefault = await ChatBackend.open(spec(server), FAST, { OPENAI_API_KEY: key });
    const viaNamed = await ChatBackend.open(spec(server), { ...FAST, apiKeyEnv: 'JUDGE_KEY' }, { JUDGE_KEY: key });
    const request = { user: 'u', seed: 1 };
    await viaNamed.complete([request]);
    expect(server.calls[0]!.headers.authorization).toBe(`Bearer ${key}`);
    expect(viaNamed.describe().config.api_key_env).toBe('JUDGE_KEY');
    expect(JSON.stringify([viaDefault.describe(), viaNamed.describe()])).not.toContain(key);
    expect(viaDefault.cacheKey(request)).toBe(viaNamed.cacheKey(request));

    // The server echoes a wrong key back (as some gateways do): the error hides it.
    const wrong = 'sk-wrong-fedcba9876543210';
    const failure = await ChatBackend.open(spec(server), FAST, { OPENAI_API_KEY: wrong }).catch((err: Error) => err);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as Error).message).toMatch(/HTTP 401.*Incorrect API key provided: \*\*\*.*check the API key in \$OPENAI_API_KEY/);
    expect((failure as Error).message).not.toContain(wrong);
  });
});

describe('judge requests', () => {
  it.each(['openai', 'vllm'] as const)('send the rendered messages verbatim, temperature 0, the seed and max_tokens; read content and usage (%s)', async (flavour) => {
    const server = await serve({ flavour, reply: (call) => `Verdict for "${call.body.messages.at(-1)!.content}": [[A]]` });
    const backend = await ChatBackend.open(spec(server), { ...FAST, maxTokens: 512 }, NO_KEY);
    const system = '  System, <b>kept</b>\n';
    const answers = await backend.complete([
      { system, user: 'first\n', seed: 11 },
      { user: 'second', seed: 22 },
    ]);
    expect(server.calls.map((c) => c.body)).toEqual([
      { model: 'judge/model-1', messages: [{ role: 'system', content: system }, { role: 'user', content: 'first\n' }], temperature: 0, seed: 11, max_tokens: 512 },
      { model: 'judge/model-1', messages: [{ role: 'user', content: 'second' }], temperature: 0, seed: 22, max_tokens: 512 },
    ]);
    const first = 'Verdict for "first\n": [[A]]';
    expect(answers).toEqual([
      { content: first, promptTokens: wordCount(system) + wordCount('first\n'), completionTokens: wordCount(first) },
      { content: 'Verdict for "second": [[A]]', promptTokens: 1, completionTokens: 4 },
    ]);
  });

  it('send a changed temperature, keep the order of a concurrent batch, and read null content as ""', async () => {
    const server = await serve({
      reply: async (call) => {
        const seed = call.body.seed!;
        await new Promise((done) => setTimeout(done, (10 - seed) * 5)); // later requests answer first
        return seed === 3 ? { content: null, usage: { prompt_tokens: 5, completion_tokens: 0 } } : `[[${seed}]]`;
      },
    });
    const backend = await ChatBackend.open(spec(server), { ...FAST, temperature: 0.7, concurrency: 8 }, NO_KEY);
    const answers = await backend.complete(Array.from({ length: 8 }, (_, seed) => ({ user: 'rate', seed })));
    expect(answers.map((a) => a.content)).toEqual(['[[0]]', '[[1]]', '[[2]]', '', '[[4]]', '[[5]]', '[[6]]', '[[7]]']);
    expect(server.calls.every((c) => c.body.temperature === 0.7)).toBe(true);
  });

  it('retry a 429 after its Retry-After seconds, then succeed', async () => {
    const server = await serve({ reply: (call) => (call.index === 0 ? { status: 429, retryAfter: '1', message: 'Rate limit reached' } : '[[C]]') });
    const retries: string[] = [];
    const backend = await ChatBackend.open(spec(server), { ...FAST, onRetry: (m) => retries.push(m) }, NO_KEY);
    const started = performance.now();
    expect((await backend.complete([{ user: 'u', seed: 1 }]))[0]!.content).toBe('[[C]]');
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.posts()).toBe(2);
    expect(retries).toEqual([expect.stringMatching(/HTTP 429.*Rate limit reached; retry 1 of 2 in 1000 ms/)]);
  });

  it.each(['openai', 'vllm'] as const)('retry 5xx and timeouts, and fail in one line naming the URL and the attempts when they persist (%s)', async (flavour) => {
    const script = ['500', 'slow', 'ok'];
    const server = await serve({
      flavour,
      reply: (call) => {
        const step = script[call.index] ?? 'always-503';
        if (step === '500') return { status: 500, message: 'engine crashed' };
        if (step === 'slow') return { delayMs: 600, then: '[[A]]' };
        if (step === 'ok') return '[[B]]';
        return { status: 503, message: 'overloaded' };
      },
    });
    const backend = await ChatBackend.open(spec(server), { ...FAST, requestTimeoutMs: 200 }, NO_KEY);
    expect((await backend.complete([{ user: 'u', seed: 1 }]))[0]!.content).toBe('[[B]]');
    expect(server.posts()).toBe(3);
    const failure = await backend.complete([{ user: 'u', seed: 2 }]).catch((err: Error) => err);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as Error).message).toBe(`POST ${server.url}/v1/chat/completions: HTTP 503 Service Unavailable: overloaded after 3 attempts`);
    expect(server.posts()).toBe(6);
  });

  it('refuse a response without choices or usage in one line', async () => {
    const server = await serve({ reply: (call) => (call.index === 0 ? { content: '[[A]]', usage: null } : { status: 200 }) });
    const backend = await ChatBackend.open(spec(server), FAST, NO_KEY);
    await expect(backend.complete([{ user: 'u', seed: 1 }])).rejects.toThrow('malformed response: no usage.prompt_tokens/completion_tokens counts');
    await expect(backend.complete([{ user: 'u', seed: 1 }])).rejects.toThrow('malformed response: no choices[0].message');
  });
});

describe('cache keys', () => {
  const sampling = { temperature: 0, maxTokens: 2048 };
  const request = { system: 'S', user: 'U', seed: 5 };
  const key = chatRequestKey('judge/model-1', request, sampling);

  it('are stable hex digests that change with everything that reaches the server', () => {
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(chatRequestKey('judge/model-1', { ...request }, { ...sampling })).toBe(key);
    const variants = [
      chatRequestKey('judge/model-2', request, sampling),
      chatRequestKey('judge/model-1', { ...request, system: 'S ' }, sampling),
      chatRequestKey('judge/model-1', { user: 'U', seed: 5 }, sampling),
      chatRequestKey('judge/model-1', { ...request, user: 'U\n' }, sampling),
      chatRequestKey('judge/model-1', { ...request, seed: 6 }, sampling),
      chatRequestKey('judge/model-1', request, { ...sampling, temperature: 0.5 }),
      chatRequestKey('judge/model-1', request, { ...sampling, maxTokens: 1024 }),
    ];
    expect(new Set([key, ...variants]).size).toBe(variants.length + 1);
  });

  it('of a backend are its model and sampling settings applied', async () => {
    const server = await serve({ reply: () => '[[A]]' });
    const backend = await ChatBackend.open(spec(server), { ...FAST, maxTokens: 2048 }, NO_KEY);
    expect(backend.cacheKey(request)).toBe(key);
  });
});
