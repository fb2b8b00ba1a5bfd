/**
 * Throughput through `rmbench serve`: the same responses scored over KServe v2, the vLLM-style and
 * the TEI-style routes with 1, 4 and 16 requests in flight, against the local ONNX Runtime path.
 * The server is a separate process (dist/cli.js serve) on 127.0.0.1; the client is rmbench's
 * remote scorer, without the score cache, so every text is sent.
 *
 *   npm run build && node_modules/.bin/tsx scripts/serve-bench.ts [--model DIR] [--pairs 600]
 *     [--concurrency 1,4,16] [--protocols kserve,vllm,tei] [--batch-size 16] [--token-budget 2048]
 *     [--threads N] [--repeat 3]
 *
 * Default model: models/use-lite-bt when it is built (npm run build:models), else a tiny
 * bag-of-words fixture (test/helpers/tiny-models.ts), which measures the protocol overhead
 * (HTTP, JSON, tokenisation) more than the model. Prints a Markdown table: pairs/s, texts/s, and
 * the median milliseconds per request as the client saw them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createResponseScorer } from '../src/scorers/index.js';
import type { ResponseInput, ResponseScorer } from '../src/scorers/types.js';
import { rowItem } from '../src/subsets/types.js';
import { loadSubsets } from '../src/subsets/load.js';
import { defaultManifestPath, resolveSuite } from '../src/subsets/manifest.js';
import { writeBagOfWordsModel } from '../test/helpers/tiny-models.js';

const ROOT = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    pairs: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '1,4,16' },
    protocols: { type: 'string', default: 'kserve,vllm,tei' },
    'batch-size': { type: 'string', default: '16' },
    'token-budget': { type: 'string', default: '2048' },
    threads: { type: 'string' },
    repeat: { type: 'string', default: '3' },
  },
});

function model(): { dir: string; note: string } {
  if (args.model) return { dir: resolve(args.model), note: args.model };
  const builtin = join(ROOT, 'models', 'use-lite-bt');
  if (existsSync(join(builtin, 'onnx', 'model.onnx'))) return { dir: builtin, note: 'models/use-lite-bt' };
  const dir = join(mkdtempSync(join(tmpdir(), 'rmbench-serve-bench-')), 'bow');
  writeBagOfWordsModel(dir, { sorry: -1, cannot: -0.5, sure: 0.5, here: 0.25, def: 0.125, the: 2 ** -6 });
  return { dir, note: 'tiny bag-of-words fixture (models/use-lite-bt is not built)' };
}

function inputs(pairs: number): ResponseInput[] {
  const suite = resolveSuite(defaultManifestPath(), 'rewardbench-v1');
  const subsets = loadSubsets(suite);
  // Round-robin over subsets, so short and long texts mix as in a real run.
  const rows = [];
  for (let i = 0; rows.length < pairs; i++) {
    let any = false;
    for (const s of subsets) {
      if (i < s.rows.length && rows.length < pairs) {
        rows.push(s.rows[i]!);
        any = true;
      }
    }
    if (!any) break;
  }
  return rows.flatMap((row) => {
    const { prompt, chosen, rejected } = rowItem(row);
    return [...chosen, ...rejected].map((response) => ({ prompt, response }));
  });
}

async function startServe(dir: string): Promise<{ url: string; stop(): void }> {
  const extra = args.threads ? ['--threads', args.threads] : [];
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'serve', dir, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done, fail) => {
    let out = '';
    const timer = setTimeout(() => (child.kill(), fail(new Error('rmbench serve did not start'))), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done({ url: m[1]!, stop: () => child.kill('SIGTERM') });
      }
    });
    child.once('exit', (code) => fail(new Error(`rmbench serve exited with ${code}`)));
  });
}

const median = (xs: readonly number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Row {
  path: string;
  concurrency: number | string;
  pairs: number;
  texts: number;
  requests: number;
  seconds: number;
  medianMs: number;
}

async function measure(path: string, concurrency: number | string, open: () => Promise<ResponseScorer>, work: ResponseInput[], repeat: number): Promise<Row> {
  // Best of `repeat` (a fresh scorer each time: no cache, so every text is sent).
  let best: Row | undefined;
  for (let r = 0; r < repeat; r++) {
    const scorer = await open();
    try {
      const t0 = performance.now();
      await scorer.scoreResponses(work);
      const seconds = (performance.now() - t0) / 1000;
      const times = scorer.stats.batchMs;
      const row = { path, concurrency, pairs: work.length / 2, texts: scorer.stats.uniqueInputs, requests: scorer.stats.batches, seconds, medianMs: median(times) };
      if (!best || row.seconds < best.seconds) best = row;
    } finally {
      await scorer.dispose();
    }
  }
  return best!;
}

async function main() {
  const { dir, note } = model();
  const work = inputs(Number(args.pairs));
  const levels = args.concurrency!.split(',').map(Number);
  const protocols = args.protocols!.split(',');
  const batchSize = Number(args['batch-size']);
  const tokenBudget = Number(args['token-budget']);
  const repeat = Number(args.repeat);
  const threads = args.threads ? Number(args.threads) : undefined;
  const server = await startServe(dir);
  const rows: Row[] = [];
  try {
    const name = dir.split('/').pop()!;
    const target = (p: string) => (p === 'kserve' ? `kserve+${server.url}/${name}` : p === 'vllm' ? `vllm+${server.url}/${name}` : `tei+${server.url}`);
    const remote = (p: string, c: number) => () =>
      createResponseScorer(target(p), { concurrency: c, batchSize, tokenBudget, retries: 0, ...(p === 'kserve' || p === 'vllm' ? { tokenizer: dir } : {}) });
    // Warm-up: the server's session and the client's connections.
    for (const p of protocols) await measure(p, 'warm-up', remote(p, 4), work.slice(0, 200), 1);
    rows.push(await measure('local (in-process ONNX Runtime)', '-', () => createResponseScorer(dir, { tokenBudget, threads }), work, repeat));
    for (const p of protocols) for (const c of levels) rows.push(await measure(p, c, remote(p, c), work, repeat));
  } finally {
    server.stop();
  }
  console.log(`model: ${note}; ${work.length / 2} RewardBench v1 pairs (${work.length} responses); ${cpus().length} CPU cores (${cpus()[0]?.model ?? '?'}); Node ${process.version}`);
  console.log(`texts per request: vLLM/TEI --batch-size ${batchSize}; KServe --token-budget ${tokenBudget}; best of ${repeat}; server and client on this machine\n`);
  console.log('| path | concurrent requests | pairs/s | texts/s | requests | median ms/request |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.path} | ${r.concurrency} | ${(r.pairs / r.seconds).toFixed(0)} | ${(r.texts / r.seconds).toFixed(0)} | ${r.requests} | ${Number.isNaN(r.medianMs) ? '-' : r.medianMs.toFixed(1)} |`);
  }
}

await main();
