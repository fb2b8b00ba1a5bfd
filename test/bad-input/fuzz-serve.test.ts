/**
 * Property test of `rmbench serve`'s request parsing (issue 17, part B): random JSON, valid
 * KServe / vLLM / TEI bodies with a field's type changed, a field dropped or the text cut short,
 * and random paths. Every answer must be a 4xx with a message or a correct 200, never a 500, a
 * crash or a hang (each request has a time limit). Seeded; RMBENCH_FUZZ_RUNS sets the number of runs.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { tempDir } from '../helpers/suite.js';
import { RB_ARMO_FIXTURE, bagOfWordsScore, writeArmoModel, writeBagOfWordsModel } from '../helpers/tiny-models.js';

const WEIGHTS = { sure: 0.5, here: 0.25, sorry: -1, cannot: -0.5, the: 2 ** -6 };
const WORDS = [...Object.keys(WEIGHTS), 'unknown', 'Sure', '!', '42', 'ok.'];
const NUM_RUNS = Number(process.env.RMBENCH_FUZZ_RUNS ?? 200);
const REQUEST_LIMIT_MS = 10_000;

let bow: RunningServer;
let armo: RunningServer;
/** The bag-of-words model's weight of each token id. */
const idWeight: number[] = [];

beforeAll(async () => {
  const dir = tempDir();
  for (const [word, id] of writeBagOfWordsModel(join(dir, 'bow'), WEIGHTS)) idWeight[id] = WEIGHTS[word as keyof typeof WEIGHTS] ?? 0;
  writeArmoModel(join(dir, 'armo'), RB_ARMO_FIXTURE);
  [bow, armo] = await Promise.all([startServer(join(dir, 'bow')), startServer(join(dir, 'armo'))]);
}, 60_000);

afterAll(async () => {
  await Promise.all([bow?.close(), armo?.close()]);
});

type Json = Record<string, unknown>;
interface Case {
  server: 'bow' | 'armo';
  path: string;
  body: string;
  /**
   * For a request left as it was generated: the raw score of each input, or "refused" when its
   * token ids are outside the vocabulary (a 4xx; a 200 would be a wrong score).
   */
  expected?: (() => number[] | 'refused') | undefined;
}

const VOCABULARY = 2 + Object.keys(WEIGHTS).length;
/** The bag-of-words score of token id sequences (the last `keep` ids of each), or "refused". */
const idScores = (list: readonly number[][], keep = Infinity) => () =>
  list.flat().every((id) => id >= 0 && id < VOCABULARY) ? list.map((s) => s.slice(Math.max(0, s.length - keep)).reduce((sum, id) => sum + idWeight[id]!, 0)) : ('refused' as const);

const text = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 }).map((w) => w.join(' '));
// Token ids of the vocabulary (7 tokens), now and then any integer at all.
const ids = fc.array(fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.integer() }), { minLength: 1, maxLength: 8 });

/** Requests of each route (their ids now and then outside the vocabulary), with the answer they must get. */
const textScores = (texts: readonly string[]) => () => texts.map((t) => bagOfWordsScore(t, WEIGHTS));
const vllmBody = fc.oneof(
  fc.array(text, { minLength: 1, maxLength: 4 }).map((texts) => ({ path: '/pooling', body: { input: texts, use_activation: false } as Json, expected: textScores(texts) })),
  text.map((t) => ({ path: '/v1/pooling', body: { model: 'bow', input: t, use_activation: false } as Json, expected: textScores([t]) })),
  fc.array(ids, { minLength: 1, maxLength: 3 }).map((list) => ({ path: '/classify', body: { input: list, truncate_prompt_tokens: 4, truncation_side: 'left', use_activation: false } as Json, expected: idScores(list, 4) })),
  ids.map((one) => ({ path: '/pooling', body: { input: one, use_activation: false } as Json, expected: idScores([one]) })),
  fc.tuple(text, text).map(([prompt, response]) => ({ path: '/pooling', body: { messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: response }] } as Json })),
);
const teiBody = fc.array(text, { minLength: 1, maxLength: 4 }).map((texts) => ({
  path: '/predict',
  body: { inputs: texts.map((t) => [t]), raw_scores: true, truncate: true, truncation_direction: 'Left' } as Json,
  expected: textScores(texts),
}));
const kserveBody = fc.array(ids, { minLength: 1, maxLength: 3 }).map((list) => {
  const length = Math.max(...list.map((s) => s.length));
  const padded = list.map((s) => [...s, ...Array<number>(length - s.length).fill(0)]);
  const mask = list.map((s) => Array.from({ length }, (_, t) => (t < s.length ? 1 : 0)));
  return {
    path: '/v2/models/bow/infer',
    body: {
      id: 'fuzz',
      inputs: [
        { name: 'input_ids', datatype: 'INT64', shape: [list.length, length], data: padded.flat() },
        { name: 'attention_mask', datatype: 'INT64', shape: [list.length, length], data: mask },
      ],
      outputs: [{ name: 'logits' }],
    } as Json,
    expected: idScores(list),
  };
});

/** A random change to one field, anywhere in the body: a new value of any type, or the field gone. */
function mutate(body: Json, pathChoice: number, value: unknown, drop: boolean): Json {
  const copy = structuredClone(body);
  const holders: (Json | unknown[])[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v) || (typeof v === 'object' && v !== null)) {
      holders.push(v as Json | unknown[]);
      for (const child of Object.values(v as Json)) walk(child);
    }
  };
  walk(copy);
  const holder = holders[pathChoice % holders.length]!;
  const keys = Object.keys(holder);
  if (!keys.length) return copy;
  const key = keys[pathChoice % keys.length]!;
  if (drop && !Array.isArray(holder)) delete holder[key];
  else (holder as Json)[key] = value;
  return copy;
}

const generated: fc.Arbitrary<{ path: string; body: Json; expected?: () => number[] | 'refused' }> = fc.oneof(vllmBody, teiBody, kserveBody);
const cases: fc.Arbitrary<Case> = fc.oneof(
  // A request as generated: exactly the scores, or a refusal of ids outside the vocabulary.
  { weight: 3, arbitrary: generated.map((v) => ({ server: 'bow' as const, path: v.path, body: JSON.stringify(v.body), expected: v.expected })) },
  // A field's type changed, or the field dropped.
  {
    weight: 3,
    arbitrary: fc
      .tuple(generated, fc.nat(), fc.jsonValue({ maxDepth: 3 }), fc.boolean())
      .map(([v, at, value, drop]) => ({ server: 'bow' as const, path: v.path, body: JSON.stringify(mutate(v.body, at, value, drop)) })),
  },
  // The body cut short.
  {
    weight: 1,
    arbitrary: fc.tuple(generated, fc.nat()).map(([v, at]) => {
      const body = JSON.stringify(v.body);
      return { server: 'bow' as const, path: v.path, body: body.slice(0, at % body.length) };
    }),
  },
  // Any JSON to any route, of either server (the ArmoRM one refuses the text routes).
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('bow', 'armo'), fc.constantFrom('/pooling', '/classify', '/predict', '/v1/pooling', '/v2/models/bow/infer', '/v2/models/armo/infer'), fc.jsonValue({ maxDepth: 4 }))
      .map(([server, path, value]) => ({ server: server as 'bow' | 'armo', path, body: JSON.stringify(value) })),
  },
  // Any path.
  { weight: 1, arbitrary: fc.webPath().map((path) => ({ server: 'bow' as const, path: `/v2/models${path}`, body: '{}' })) },
);

const messageOf = (body: unknown): string | undefined => {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as Json).error;
  return typeof error === 'string' ? error : typeof (error as Json | undefined)?.message === 'string' ? ((error as Json).message as string) : undefined;
};

/** The numbers a 200 answer holds (every score, probability or output value). */
function answerValues(path: string, body: unknown): number[] {
  if (path.startsWith('/v2/')) {
    const outputs = (body as { outputs: { data: number[]; shape: number[] }[] }).outputs;
    expect(outputs[0]!.shape[1]).toBe(1);
    return outputs.flatMap((o) => o.data);
  }
  if (path === '/predict') return (body as { score: number }[][]).flat().map((p) => p.score);
  const data = (body as { data: { data?: number[]; probs?: number[] }[] }).data;
  return data.flatMap((d) => d.data ?? d.probs ?? []);
}

describe('rmbench serve request parsing (fast-check, seeded)', () => {
  it(`answers ${NUM_RUNS} generated requests with a 4xx and a message or a correct 200, never a 500 or a hang`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const base = (c.server === 'bow' ? bow : armo).url;
        const r = await fetch(`${base}${c.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: c.body, signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
        const answer: unknown = await r.json();
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        expect(r.status, JSON.stringify(answer)).toBeLessThan(500);
        const expected = c.expected?.();
        if (expected === 'refused') expect(r.status, JSON.stringify(answer)).toBe(400);
        if (r.status >= 400) {
          expect(r.status).toBeGreaterThanOrEqual(400);
          expect(messageOf(answer), JSON.stringify(answer)).toMatch(/\S/);
          return;
        }
        expect(r.status).toBe(200);
        const values = answerValues(c.path, answer);
        expect(values.length).toBeGreaterThan(0);
        expect(values.every(Number.isFinite)).toBe(true);
        if (expected) expect(values).toEqual(expected);
      }),
      { seed: 17, numRuns: NUM_RUNS },
    );
    console.log('statuses:', JSON.stringify(Object.fromEntries(statuses)));
    // Both kinds of answer were exercised.
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
  }, 120_000);
});
