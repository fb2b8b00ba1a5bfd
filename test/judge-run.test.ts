/**
 * `rmbench run openai+http://...` as a subprocess against the scripted OpenAI-compatible server
 * (test/helpers/openai-server.ts) on a small shipped-style suite (test/helpers/judge-suite.ts):
 * accuracy, invalid answers, ties, inconsistency, position bias, tokens and cost in the results,
 * both orders and one, rating mode, best-of-n sets, the request bodies, a rerun that sends
 * nothing, and --dry-run. Every expected figure is worked out by hand from the judge's script.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PairOutcome, Results } from '../src/report/schema.js';
import { judgeServers } from './helpers/judge-servers.js';
import { responsesOf, SUITE, USAGE, writeBestOfNSuite, writeJudgeSuite } from './helpers/judge-suite.js';
import type { OpenAiServer } from './helpers/openai-server.js';
import { rmbenchAsync } from './helpers/remote.js';
import { tempDir } from './helpers/suite.js';

const judgeServer = judgeServers();

/** Runs the judge on a suite in `dir`; returns the CLI result and the results file (when written). */
async function runJudge(server: OpenAiServer, dir: string, manifest: string, args: string[] = [], out = join(dir, 'results.json')) {
  const cli = await rmbenchAsync(['run', `openai+${server.url}/judge/model-1`, '--manifest', manifest, '--suite', SUITE, '--out', out, '--cache-dir', join(dir, 'cache'), '--no-progress', ...args]);
  const results = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Results) : undefined;
  const scores = existsSync(out.replace(/\.json$/, '.scores.jsonl'))
    ? readFileSync(out.replace(/\.json$/, '.scores.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PairOutcome)
    : [];
  return { cli, results, scores };
}

/** The accuracy, n and ties of each subset. */
const subsetFigures = (r: Results) => Object.fromEntries(Object.entries(r.subsets).map(([name, s]) => [name, { accuracy: s.accuracy, n: s.n, ties: s.ties }]));

describe('a pairwise judge over both orders', () => {
  it('scores the suite, counts invalid answers, ties, inconsistency, position bias, tokens and cost; a rerun sends nothing', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const manifest = writeJudgeSuite(dir);
    const { cli, results, scores } = await runJudge(server, dir, manifest, ['--price-in', '2.5', '--price-out', '10']);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    // s1: only row 1 right (2: [[A]] twice sums to 0; 3: [[C]] twice; 4: invalid twice); s2: 5 right, 6 wrong.
    expect(subsetFigures(results!)).toEqual({ s1: { accuracy: 0.25, n: 4, ties: 3 }, s2: { accuracy: 0.5, n: 2, ties: 0 } });
    expect(results!.overall).toBe(0.375);
    expect(results!.model_type).toBe('judge');
    // 12 answers; A/B answers: rows 1 (A, B), 2 (A, A), 5 (A, B), 6 (B, A): 5 of 8 name A.
    expect(results!.judge).toEqual({ requests: 12, invalid: 2, ties: 2, inconsistent: 1, position_a_rate: 5 / 8, prompt_tokens: 1200, completion_tokens: 120, cost_usd: (1200 * 2.5 + 120 * 10) / 1e6 });
    expect(results!.scorer_report).toMatchObject({ kind: 'judge', mode: 'pairwise', orders: 2, totals: { ...results!.judge, answers: 12 }, by_subset: { s1: { answers: 8, invalid: 2, ties: 2, inconsistent: 1 }, s2: { answers: 4, invalid: 0, ties: 0, inconsistent: 0 } } });
    expect(cli.stdout).toContain('judge (pairwise, both orders): 12 requests, 12 answers used, 2 invalid (s1 2), 2 ties, 1 inconsistent pairs, position A rate 62.5%');
    expect(cli.stdout).toContain('judge tokens: 1200 prompt + 120 completion; cost $0.0042');

    // The scores file: each order's verdict (chosen_outputs: chosen shown first; rejected_outputs: shown second).
    expect(scores.map((s) => [s.key, s.correct, s.chosen_outputs!.verdict![0], s.rejected_outputs!.verdict![0], s.chosen_outputs!.valid![0], s.rejected_outputs!.valid![0]])).toEqual([
      ['s1/1', true, 1, -1, 1, 1],
      ['s1/2', false, 1, 1, 1, 1],
      ['s1/3', false, 0, 0, 1, 1],
      ['s1/4', false, 0, 0, 0, 0],
      ['s2/5', true, 1, -1, 1, 1],
      ['s2/6', false, -1, 1, 1, 1],
    ]);

    // The requests: both orders of every pair, MT-Bench's prompt, temperature 0, a 31-bit seed, max_tokens 2048.
    expect(server.posts()).toBe(12);
    const orders = server.calls.map((c) => responsesOf(c)).map(({ a, b }) => `${a} | ${b}`);
    expect(orders).toEqual(expect.arrayContaining(['good one | bad one', 'bad one | good one', 'meh six | good six', 'good six | meh six']));
    for (const call of server.calls) {
      expect(call.body).toMatchObject({ model: 'judge/model-1', temperature: 0, max_tokens: 2048 });
      expect(Number.isInteger(call.body.seed) && call.body.seed! >= 0 && call.body.seed! < 2 ** 31).toBe(true);
      expect(call.body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    }
    const multiTurn = server.calls.find((c) => responsesOf(c).a === 'good five')!;
    expect(multiTurn.body.messages[1]!.content).toContain('[User Question]\nUser: q five\n\nAssistant: earlier\n\nUser: and then?\n\n');

    // A rerun finds every answer in the cache: no POST, the same results.
    const rerun = await runJudge(server, dir, manifest, ['--price-in', '2.5', '--price-out', '10'], join(dir, 'rerun.json'));
    expect(rerun.cli.code).toBe(0);
    expect(server.posts()).toBe(12);
    expect(rerun.results!.judge).toEqual(results!.judge);
    expect(rerun.results!.timing).toMatchObject({ cached_texts: 12, unique_inputs: 0 });
    expect(rerun.scores).toEqual(scores);
  }, 20_000);

  it('--dry-run counts the requests the cache lacks and estimates their prompt tokens, sends none, writes nothing', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const manifest = writeJudgeSuite(dir);
    const dry = await runJudge(server, dir, manifest, ['--dry-run', '--subsets', 's2']);
    expect(dry.cli.code).toBe(0);
    expect(server.posts()).toBe(0);
    expect(dry.results).toBeUndefined();
    expect(readdirSync(dir).filter((f) => f.startsWith('results'))).toEqual([]);
    // The real run sends the 4 requests counted; the estimate was the sum of their ceil(characters / 4).
    const { results } = await runJudge(server, dir, manifest, ['--subsets', 's2']);
    expect([results!.judge!.requests, server.posts()]).toEqual([4, 4]);
    const estimate = server.calls.reduce((n, c) => n + Math.ceil(c.body.messages.reduce((k, m) => k + m.content.length, 0) / 4), 0);
    expect(dry.cli.stdout).toContain(`dry run: 4 request(s) to send (0 answer(s) already in the cache); about ${estimate} prompt tokens (characters / 4); nothing sent, no results written`);
    // After it, a dry run of the whole suite counts only what the cache lacks.
    const whole = await runJudge(server, dir, manifest, ['--dry-run'], join(dir, 'whole.json'));
    expect(whole.cli.stdout).toContain('dry run: 8 request(s) to send (4 answer(s) already in the cache)');
    expect(server.posts()).toBe(4);
    expect(whole.results).toBeUndefined();
  }, 20_000);
});

describe('other judge settings', () => {
  it('one order: one request per pair, the chosen response first or second as seeded, right iff the answer names it', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const { cli, results, scores } = await runJudge(server, dir, writeJudgeSuite(dir), ['--judge-orders', '1']);
    expect(cli.code).toBe(0);
    expect(server.posts()).toBe(6);
    // Row 2's judge always answers [[A]]: right iff its chosen response was shown first.
    const biased = server.calls.map(responsesOf).find(({ a, b }) => `${a}${b}`.includes('bias'))!;
    expect(scores.find((s) => s.key === 's1/2')!.correct).toBe(biased.a === 'good bias');
    expect(scores.filter((s) => s.correct).map((s) => s.key)).toEqual(['s1/1', ...(biased.a === 'good bias' ? ['s1/2'] : []), 's2/5']);
    expect(results!.judge).toMatchObject({ requests: 6, invalid: 1, ties: 1, inconsistent: 0, prompt_tokens: 600, completion_tokens: 60, cost_usd: null });
    expect(results!.config).toMatchObject({ judge_mode: 'pairwise', judge_orders: 1 });
  }, 15_000);

  it('rating mode: each response rated once; an invalid rating and equal ratings are ties, counted wrong', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const { cli, results, scores } = await runJudge(server, dir, writeJudgeSuite(dir), ['--judge', 'rating']);
    expect(cli.code).toBe(0);
    expect(server.posts()).toBe(12);
    // s1: 1 (8 > 3) and 2 (8 > 3) right, 3 (5 = 5) and 4 (invalid) ties; s2: 5 right, 6 (4 < 8) wrong.
    expect(subsetFigures(results!)).toEqual({ s1: { accuracy: 0.5, n: 4, ties: 2 }, s2: { accuracy: 0.5, n: 2, ties: 0 } });
    expect(results!.judge).toEqual({ requests: 12, invalid: 1, ties: 1, inconsistent: 0, position_a_rate: null, prompt_tokens: USAGE.prompt_tokens * 12, completion_tokens: USAGE.completion_tokens * 12, cost_usd: null });
    expect(scores.map((s) => [s.key, s.chosen_score, s.rejected_score])).toEqual([
      ['s1/1', 8, 3],
      ['s1/2', 8, 3],
      ['s1/3', 5, 5],
      ['s1/4', null, 3],
      ['s2/5', 8, 3],
      ['s2/6', 4, 8],
    ]);
    expect(server.calls.every((c) => c.body.messages[0]!.content === 'You are a helpful assistant.')).toBe(true);
  }, 15_000);

  it('best-of-n sets: rating mode rates each response once; pairwise judges the chosen response against each rejected one', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const manifest = writeBestOfNSuite(dir);
    const rating = await runJudge(server, dir, manifest, ['--judge', 'rating'], join(dir, 'rating.json'));
    expect(rating.cli.code).toBe(0);
    // 8 distinct responses; b1: 8 beats 3, 3, 4; b2: 4 loses to 8.
    expect(server.posts()).toBe(8);
    expect(subsetFigures(rating.results!)).toEqual({ bon: { accuracy: 0.5, n: 2, ties: 0 } });
    const pairwise = await runJudge(server, dir, manifest, [], join(dir, 'pairwise.json'));
    expect(pairwise.cli.code).toBe(0);
    // 2 items x 3 rejected x 2 orders.
    expect(server.posts() - 8).toBe(12);
    const pairs = server.calls.slice(8).map(responsesOf).map(({ a, b }) => `${a} | ${b}`);
    expect(new Set(pairs)).toEqual(new Set(['good b1', 'meh b2'].flatMap((c, i) => (i === 0 ? ['bad b1 x', 'bad b1 y', 'meh b1'] : ['good b2', 'bad b2 x', 'bad b2 y']).flatMap((r) => [`${c} | ${r}`, `${r} | ${c}`]))));
    // b1 wins all three; b2 loses to "good b2" (and ties the two "bad" ones: [[B]] in both orders).
    expect(subsetFigures(pairwise.results!)).toEqual({ bon: { accuracy: 0.5, n: 2, ties: 1 } });
  }, 15_000);

  it('--judge-template: sent verbatim as the only message, recorded by its sha256; a bad one is refused before any request', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const manifest = writeJudgeSuite(dir);
    const template = join(dir, 'judge.json');
    const user = "Q: {{ question }}\n[The Start of Assistant A's Answer]\n{{ response_a }}\n[The End of Assistant A's Answer]\n[The Start of Assistant B's Answer]\n{{ response_b }}\n[The End of Assistant B's Answer]\n";
    writeFileSync(template, JSON.stringify({ user }));
    const { cli, results } = await runJudge(server, dir, manifest, ['--judge-template', template, '--subsets', 's1']);
    expect(cli.code).toBe(0);
    const first = server.calls.find((c) => responsesOf(c).a === 'good one')!;
    expect(first.body.messages).toEqual([{ role: 'user', content: "Q: q one\n[The Start of Assistant A's Answer]\ngood one\n[The End of Assistant A's Answer]\n[The Start of Assistant B's Answer]\nbad one\n[The End of Assistant B's Answer]\n" }]);
    expect(results!.config.judge_template).toBe(`sha256:${createHash('sha256').update(readFileSync(template)).digest('hex')}`);
    expect(subsetFigures(results!)).toEqual({ s1: { accuracy: 0.25, n: 4, ties: 3 } });

    writeFileSync(template, JSON.stringify({ user: '{{ question }} {{ response_a }} {{ respons_b }}' }));
    const bad = await runJudge(server, dir, manifest, ['--judge-template', template], join(dir, 'bad.json'));
    expect(bad.cli.code).toBe(1);
    expect(bad.cli.stderr.trim()).toBe(`rmbench: ${template}: field "user": unknown variable "respons_b" (a pairwise template has question, response_a, response_b)`);
    expect(server.posts()).toBe(8);
  }, 15_000);

  it('refuses flags that do not fit: --judge-orders with rating, judge flags on other models, a bad --judge', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const manifest = writeJudgeSuite(dir);
    const orders = await runJudge(server, dir, manifest, ['--judge', 'rating', '--judge-orders', '1']);
    expect(orders.cli.code).not.toBe(0);
    expect(orders.cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(orders.cli.stderr).toContain('--judge-orders: a rating judge rates each response once');
    const onLength = await rmbenchAsync(['run', 'length', '--manifest', manifest, '--suite', SUITE, '--out', join(dir, 'l.json'), '--judge', 'rating']);
    expect(onLength.stderr).toContain('--judge: not used by "length"');
    const bad = await runJudge(server, dir, manifest, ['--judge', 'listwise']);
    expect(bad.cli.stderr).toContain('expected pairwise or rating, got "listwise"');
    expect(server.posts()).toBe(0);
  }, 15_000);
});
