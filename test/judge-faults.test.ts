/**
 * Judge runs through the CLI when things go wrong or are split: 429 / 5xx / timeouts retried,
 * a server that keeps failing, a run killed mid-way and resumed from the cache, shards merged,
 * an https server without a key, the API key kept out of results, scores, cache and output, and
 * report / gate / leaderboard on judge results. The scripted judge and suite are
 * test/helpers/judge-suite.ts; the full suite's figures are worked out in test/judge-run.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Leaderboard } from '../src/report/leaderboard.js';
import type { Results } from '../src/report/schema.js';
import { CLI, ROOT } from './helpers/cli.js';
import { judgeReply, SUITE, writeJudgeSuite } from './helpers/judge-suite.js';
import { openAiServer, type OpenAiServer, type OpenAiServerOptions } from './helpers/openai-server.js';
import { rmbenchAsync } from './helpers/remote.js';
import { tempDir } from './helpers/suite.js';

/** results.judge of the whole suite, both orders, no prices (test/judge-run.test.ts derives it). */
const FULL = { requests: 12, invalid: 2, ties: 2, inconsistent: 1, position_a_rate: 5 / 8, prompt_tokens: 1200, completion_tokens: 120, cost_usd: null };
const KILLER = join(ROOT, 'test', 'helpers', 'kill-after-cache-writes.mjs');

const servers: OpenAiServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function judgeServer(options: Partial<OpenAiServerOptions> = {}): Promise<OpenAiServer> {
  const server = await openAiServer({ models: ['judge/model-1'], reply: judgeReply, ...options });
  servers.push(server);
  return server;
}

const judgeArgs = (server: OpenAiServer, manifest: string, out: string, extra: string[] = []) => [
  'run',
  `openai+${server.url}/judge/model-1`,
  '--manifest',
  manifest,
  '--suite',
  SUITE,
  '--out',
  out,
  '--no-progress',
  ...extra,
];
const readResults = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Results;

/** Every file under a folder, recursively. */
const filesUnder = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));

describe('a struggling server', () => {
  it('429 (Retry-After honoured), 500 and a timeout are retried; the results are those of a clean run, with one warning', async () => {
    let script = 0;
    const server = await judgeServer({
      reply: (call) => {
        // The first three POSTs fail, one way each; every retry is answered.
        const fault = script++;
        if (fault === 0) return { status: 429, retryAfter: '1' };
        if (fault === 1) return { status: 500 };
        if (fault === 2) return { delayMs: 1500, then: judgeReply(call) };
        return judgeReply(call);
      },
    });
    const dir = tempDir();
    const started = performance.now();
    const cli = await rmbenchAsync(judgeArgs(server, writeJudgeSuite(dir), join(dir, 'r.json'), ['--cache-dir', join(dir, 'cache'), '--request-timeout', '0.5', '--retry-backoff', '10']));
    expect(cli.code).toBe(0);
    // The 429's Retry-After (1 s) was waited for, not the 10 ms backoff.
    expect(performance.now() - started).toBeGreaterThan(1000);
    const results = readResults(join(dir, 'r.json'));
    expect(results.judge).toEqual(FULL);
    expect(server.posts()).toBe(15);
    expect(results.warnings).toHaveLength(1);
    expect(results.warnings[0]).toMatch(/retry 1 of 4 .*\(further retries are not reported\)$/);
  }, 15_000);

  it('a server that keeps failing ends the run with one line; no results are written', async () => {
    const server = await judgeServer({ reply: () => ({ status: 503, message: 'overloaded' }) });
    const dir = tempDir();
    const cli = await rmbenchAsync(judgeArgs(server, writeJudgeSuite(dir), join(dir, 'r.json'), ['--cache-dir', join(dir, 'cache'), '--retries', '1', '--retry-backoff', '1']));
    expect(cli.code).toBe(1);
    // The first retry's warning, then the one-line error.
    const [warning, error, ...more] = cli.stderr.trim().split('\n');
    expect(warning).toMatch(/HTTP 503 .*overloaded; retry 1 of 1 in 1 ms \(further retries are not reported\)$/);
    expect(error).toMatch(/^rmbench: POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: HTTP 503 .*overloaded after 2 attempts$/);
    expect(more).toEqual([]);
    expect(existsSync(join(dir, 'r.json'))).toBe(false);
  }, 15_000);
});

describe('split and interrupted runs', () => {
  it('a run killed after 5 answers resumes from the cache: the rerun sends only the 7 it lacks', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const manifest = writeJudgeSuite(dir);
    const cache = join(dir, 'cache');
    // One request at a time, so the 5th cache write holds exactly 5 answers when the run is killed.
    const args = judgeArgs(server, manifest, join(dir, 'r.json'), ['--concurrency', '1']);
    const child = spawn(process.execPath, ['--import', KILLER, CLI, ...args], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0', RMBENCH_CACHE_DIR: cache, RMBENCH_TEST_KILL_AFTER_WRITES: '5' } });
    const signal = await new Promise((done) => child.once('exit', (_code, sig) => done(sig)));
    expect(signal).toBe('SIGKILL');
    expect(server.posts()).toBe(5);
    expect(existsSync(join(dir, 'r.json'))).toBe(false);
    const rerun = await rmbenchAsync(args, { RMBENCH_CACHE_DIR: cache });
    expect(rerun.code).toBe(0);
    expect(server.posts()).toBe(12);
    // No request was asked twice.
    expect(new Set(server.calls.map((c) => JSON.stringify(c.body))).size).toBe(12);
    const results = readResults(join(dir, 'r.json'));
    expect(results.judge).toEqual(FULL);
    expect(results.timing).toMatchObject({ cached_texts: 5, unique_inputs: 7 });
  }, 15_000);

  it('shards merge into the results of one run, results.judge summed', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const manifest = writeJudgeSuite(dir);
    const cache = ['--cache-dir', join(dir, 'cache')];
    for (const k of [1, 2]) expect((await rmbenchAsync(judgeArgs(server, manifest, join(dir, `shard${k}.json`), [...cache, '--shard', `${k}/2`]))).code).toBe(0);
    const shardJudges = [1, 2].map((k) => readResults(join(dir, `shard${k}.json`)).judge!);
    expect(shardJudges[0]!.requests + shardJudges[1]!.requests).toBe(12);
    const merged = await rmbenchAsync(['merge', join(dir, 'shard1.json'), join(dir, 'shard2.json'), '--out', join(dir, 'merged.json'), '--manifest', manifest]);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
    const whole = await rmbenchAsync(judgeArgs(server, manifest, join(dir, 'whole.json'), cache));
    expect(whole.code).toBe(0);
    expect(server.posts()).toBe(12);
    const [m, w] = [readResults(join(dir, 'merged.json')), readResults(join(dir, 'whole.json'))];
    expect(m.judge).toEqual(FULL);
    expect(w.judge).toEqual(FULL);
    expect([m.subsets, m.overall, m.scorer_report]).toEqual([w.subsets, w.overall, w.scorer_report]);
  }, 15_000);
});

describe('the API key', () => {
  it('an https server without a key is a one-line error before anything is sent', async () => {
    const dir = tempDir();
    const cli = await rmbenchAsync(['run', 'openai+https://127.0.0.1:9/judge/model-1', '--manifest', writeJudgeSuite(dir), '--suite', SUITE, '--out', join(dir, 'r.json'), '--no-progress'], { OPENAI_API_KEY: '' });
    expect(cli.code).toBe(1);
    expect(cli.stderr.trim().split('\n')).toEqual(['rmbench: openai+https://127.0.0.1:9/judge/model-1: an https server needs an API key: set $OPENAI_API_KEY or name the variable that holds it with --api-key-env']);
  }, 10_000);

  it('never appears in results, scores, cache, warnings or output, even when the server echoes it', async () => {
    const key = 'sk-test-SECRET-4711';
    let first = true;
    const server = await judgeServer({
      apiKey: key,
      reply: (call) => {
        if (!first) return judgeReply(call);
        first = false;
        // A gateway that quotes the request's key in its error body.
        return { status: 429, message: `rate limit for ${call.headers.authorization}` };
      },
    });
    const dir = tempDir();
    const manifest = writeJudgeSuite(dir);
    const cli = await rmbenchAsync(judgeArgs(server, manifest, join(dir, 'r.json'), ['--cache-dir', join(dir, 'cache'), '--api-key-env', 'JUDGE_KEY', '--retry-backoff', '1']), { JUDGE_KEY: key });
    expect(cli.code).toBe(0);
    const results = readResults(join(dir, 'r.json'));
    expect(results.judge).toEqual(FULL);
    expect(results.config).toMatchObject({ api_key_env: 'JUDGE_KEY' });
    expect(results.warnings.join('\n')).toContain('rate limit for Bearer ***');
    const written = filesUnder(dir).map((f) => readFileSync(f, 'utf8'));
    expect(written.length).toBeGreaterThan(3);
    for (const text of [...written, cli.stdout, cli.stderr]) expect(text).not.toContain(key);

    // A wrong key: the server's 401 echoes it; the error shows *** instead.
    const wrong = 'sk-wrong-KEY-0042';
    const refused = await rmbenchAsync(judgeArgs(server, manifest, join(dir, 'w.json'), ['--cache-dir', join(dir, 'cache')]), { OPENAI_API_KEY: wrong });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Incorrect API key provided: ***');
    expect(refused.stderr).toContain('(check the API key in $OPENAI_API_KEY)');
    expect(refused.stderr).not.toContain(wrong);
  }, 15_000);
});

describe('judge results downstream', () => {
  it('report, gate and leaderboard read judge runs', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const manifest = writeJudgeSuite(dir);
    const cache = ['--cache-dir', join(dir, 'cache')];
    expect((await rmbenchAsync(judgeArgs(server, manifest, join(dir, 'pairwise.json'), cache))).code).toBe(0);
    expect((await rmbenchAsync(judgeArgs(server, manifest, join(dir, 'rating.json'), [...cache, '--judge', 'rating']))).code).toBe(0);
    const report = await rmbenchAsync(['report', join(dir, 'pairwise.json'), '--html', join(dir, 'report.html')]);
    expect(report.stderr).toBe('');
    expect(report.code).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('judge/model-1');
    // The judge's summary lines, as under the terminal table (hand-worked in judge-run.test.ts).
    expect(html).toContain('judge (pairwise, both orders): 12 requests, 12 answers used, 2 invalid (s1 2), 2 ties, 1 inconsistent pairs, position A rate 62.5%');
    expect(html).toContain('judge tokens: 1200 prompt + 120 completion; cost n/a (no --price-in/--price-out)');
    const gate = await rmbenchAsync(['gate', '--baseline', join(dir, 'pairwise.json'), '--candidate', join(dir, 'rating.json'), '--resamples', '200', '--verdict', join(dir, 'verdict.json')]);
    expect(gate.stderr).toBe('');
    // The rating judge scores 50.0 against the pairwise judge's 37.5: no drop.
    expect(gate.code).toBe(0);
    expect(gate.stdout).toMatch(/gate: pass/);
    const board = await rmbenchAsync(['leaderboard', join(dir, 'pairwise.json'), join(dir, 'rating.json'), '--out', join(dir, 'board.json'), '--resamples', '200']);
    expect(board.code).toBe(0);
    const leaderboard = JSON.parse(readFileSync(join(dir, 'board.json'), 'utf8')) as Leaderboard;
    expect(leaderboard.entries.map((e) => [e.rank, e.model_type, e.overall])).toEqual([
      [1, 'judge', 0.5],
      [2, 'judge', 0.375],
    ]);
  }, 20_000);
});
