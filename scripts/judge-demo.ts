/**
 * `npx tsx scripts/judge-demo.ts [--suite rewardbench-v1] [--orders 2]`: the LLM-judge path end to
 * end on a shipped suite, against the scripted OpenAI-compatible server of the tests
 * (test/helpers/openai-server.ts, vLLM's shapes). The scripted judge names the longer response
 * ([[A]]/[[B]], [[C]] when both are as long), answers without a verdict for every 97th request
 * (an invalid answer), and reports word-count usage. It runs `rmbench run` (dist/cli.js) twice with
 * one cache: the first run's accuracy must equal the `length` baseline's wherever no invalid answer
 * lands, and the second run must send no request. Prints both runs' results.judge and POST counts.
 */
import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { codePointLength } from '../src/code-points.js';
import { responsesOf } from '../test/helpers/judge-suite.js';
import { openAiServer } from '../test/helpers/openai-server.js';

const { values: args } = parseArgs({ options: { suite: { type: 'string', default: 'rewardbench-v1' }, orders: { type: 'string', default: '2' } } });

const server = await openAiServer({
  flavour: 'vllm',
  models: ['judge/longer'],
  reply(call) {
    const { a, b } = responsesOf(call);
    if (call.index % 97 === 96) return 'Both answers have merits.';
    const d = codePointLength(a ?? '') - codePointLength(b ?? '');
    return d > 0 ? 'Assistant A is longer. [[A]]' : d < 0 ? 'Assistant B is longer. [[B]]' : 'As long as each other. [[C]]';
  },
});
const dir = mkdtempSync(join(tmpdir(), 'rmbench-judge-demo-'));
try {
  const cli = resolve('dist/cli.js');
  // Asynchronous: the scripted server answers from this process's event loop.
  const run = async (name: string) => {
    const before = server.posts();
    const started = performance.now();
    const out = join(dir, `${name}.json`);
    await promisify(execFile)(process.execPath, [cli, 'run', `openai+${server.url}/judge/longer`, '--suite', args.suite!, '--judge-orders', args.orders!, '--concurrency', '16', '--price-in', '0.15', '--price-out', '0.6', '--cache-dir', join(dir, 'cache'), '--no-progress', '--out', out], { maxBuffer: 1 << 26 });
    const results = JSON.parse(readFileSync(out, 'utf8'));
    return { name, seconds: +((performance.now() - started) / 1000).toFixed(1), posts: server.posts() - before, overall: results.overall, sections: results.sections, judge: results.judge };
  };
  const first = await run('first');
  const rerun = await run('rerun');
  console.log(JSON.stringify({ suite: args.suite, orders: Number(args.orders), runs: [first, rerun] }, null, 2));
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
