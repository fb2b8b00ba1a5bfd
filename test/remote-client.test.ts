/** The remote model argument and the HTTP client: parsing, concurrency limit, retries, errors. */
import { afterAll, describe, expect, it } from 'vitest';
import { HttpClient, RemoteError } from '../src/scorers/backends/http.js';
import { isRemoteModel, parseRemoteModel, remoteResultsName } from '../src/scorers/backends/url.js';
import { fakeEngine, json, type FakeEngine } from './helpers/remote.js';

const fakes: FakeEngine[] = [];
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
});

describe('remote model arguments', () => {
  it('parses engine, base URL, model (slashes allowed) and options', () => {
    expect(parseRemoteModel('vllm+http://10.0.0.5:8000/Skywork/Skywork-Reward-Llama-3.1-8B')).toMatchObject({
      engine: 'vllm',
      base: 'http://10.0.0.5:8000',
      model: 'Skywork/Skywork-Reward-Llama-3.1-8B',
      params: {},
    });
    expect(parseRemoteModel('tei+https://rm.example:443')).toMatchObject({ engine: 'tei', base: 'https://rm.example', model: null });
    expect(parseRemoteModel('kserve+http://triton:8000/rm?version=3')).toMatchObject({ engine: 'kserve', model: 'rm', params: { version: '3' } });
    expect(parseRemoteModel('vllm+http://h:1/m?endpoint=classify&task=')).toMatchObject({ params: { endpoint: 'classify', task: '' } });
    expect(isRemoteModel('models/my-rm')).toBe(false);
    expect(isRemoteModel('length')).toBe(false);
    expect(isRemoteModel('VLLM+HTTP://h:1/m')).toBe(true);
    expect(remoteResultsName('vllm+http://h:8000/Org/My-RM')).toBe('Org_My-RM');
    expect(remoteResultsName('tei+http://127.0.0.1:8080')).toBe('tei-127.0.0.1_8080');
  });

  it('refuses what it cannot use, naming it', () => {
    expect(() => parseRemoteModel('kserve+http://h:8000')).toThrow(/name the model: kserve\+http:\/\/HOST:PORT\/MODEL/);
    expect(() => parseRemoteModel('onnx+http://h:1/m')).toThrow(/unknown engine "onnx"/);
    expect(() => parseRemoteModel('tei+http://h:1?truncate=true')).toThrow(/unknown option "truncate" for tei \(it takes none\)/);
    expect(() => parseRemoteModel('vllm+http://user:pw@h:1/m')).toThrow(/credentials in the URL are not supported/);
  });
});

describe('HttpClient', () => {
  const settings = { concurrency: 3, timeoutMs: 2000, retries: 3, backoffMs: 5 };

  it('keeps at most `concurrency` requests in flight', async () => {
    let active = 0;
    let peak = 0;
    const engine = await fakeEngine(async (_req, res) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((done) => setTimeout(done, 20));
      active--;
      json(res, 200, { ok: true });
    });
    fakes.push(engine);
    const client = new HttpClient(engine.url, settings);
    await Promise.all(Array.from({ length: 12 }, () => client.json('POST', '/x', {}, 'ok')));
    expect(peak).toBe(3);
    expect(client.requestMs).toHaveLength(12);
  });

  it('retries 429 (after Retry-After) and 5xx, not other 4xx; the last error names the URL and the attempts', async () => {
    const seen: string[] = [];
    const engine = await fakeEngine((req, res) => {
      seen.push(req.url!);
      const n = seen.filter((u) => u === req.url).length;
      if (req.url === '/busy' && n === 1) return void res.writeHead(429, { 'retry-after': '0.1' }).end('{"error":"Model is overloaded"}');
      if (req.url === '/busy') return json(res, 200, { ok: n });
      if (req.url === '/down') return json(res, 503, { object: 'error', message: 'engine\nis loading' });
      json(res, 422, { error: { message: 'input too long', type: 'BadRequestError' } });
    });
    fakes.push(engine);
    const retried: string[] = [];
    const client = new HttpClient(engine.url, { ...settings, onRetry: (m) => retried.push(m) });
    const t0 = performance.now();
    expect(await client.json('GET', '/busy', undefined, 'ok')).toEqual({ ok: 2 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect(retried[0]).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/busy: HTTP 429 Too Many Requests: Model is overloaded; retry 1 of 3 in 100 ms/);
    const down = await client.json('POST', '/down', {}, 'ok').catch((e: RemoteError) => e);
    expect(down).toBeInstanceOf(RemoteError);
    expect((down as RemoteError).message).toBe(`POST ${engine.url}/down: HTTP 503 Service Unavailable: engine is loading after 4 attempts`);
    expect((down as RemoteError).status).toBe(503);
    const rejected = await client.json('POST', '/bad', {}, 'ok').catch((e: RemoteError) => e);
    expect((rejected as RemoteError).message).toBe(`POST ${engine.url}/bad: HTTP 422 Unprocessable Entity: input too long`);
    expect(seen.filter((u) => u === '/bad')).toHaveLength(1);
    expect(seen.filter((u) => u === '/down')).toHaveLength(4);
  });

  it('sends the API key as a bearer token when given', async () => {
    const auth: (string | undefined)[] = [];
    const engine = await fakeEngine((req, res) => {
      auth.push(req.headers.authorization);
      json(res, 200, {});
    });
    fakes.push(engine);
    await new HttpClient(engine.url, { ...settings, apiKey: 'sk-test' }).json('GET', '/v1/models', undefined, 'ok');
    await new HttpClient(engine.url, settings).json('GET', '/v1/models', undefined, 'ok');
    expect(auth).toEqual(['Bearer sk-test', undefined]);
  });
});
