/**
 * @file A quick check of use-lite-pairpm on a shipped pairwise suite (default rewardbench-v1) until
 * the `pairwise` kind runs it through `rmbench run`: each pair is rendered in both orders with the
 * model's own Jinja template, tokenised with its tokenizer (left truncation to rmbench.max_length),
 * scored, and decided as the kind will decide it: correct iff the mean of sigmoid(f(chosen,
 * rejected)) and 1 - sigmoid(f(rejected, chosen)) is above 0.5. Prints subset, section and overall
 * scores (aggregate.ts, the suite's weights) and the order consistency (pairs whose two orders agree).
 *   node_modules/.bin/tsx tools/use-lite/eval-pairpm.ts [--model models/use-lite-pairpm] [--suite rewardbench-v1]
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Template } from '@huggingface/jinja';
import { AutoTokenizer, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { aggregate } from '../../src/report/aggregate.js';
import { readSubsetFile } from '../../src/subsets/arrow.js';
import { BUNDLED_MANIFEST, resolveSuite } from '../../src/subsets/manifest.js';
import { sigmoid } from './nn.js';
import { formatQuestion } from './text.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, suite: { type: 'string' }, batch: { type: 'string' } } });
const dir = resolve(values.model ?? join(import.meta.dirname, '../../models/use-lite-pairpm'));
const suite = resolveSuite(BUNDLED_MANIFEST, values.suite ?? 'rewardbench-v1');
const batchSize = Number(values.batch ?? 32);
const block = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { rmbench: { pair_template: string; max_length: number; output: string } }).rmbench;
const template = new Template(block.pair_template);
env.allowRemoteModels = false;
const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
const session = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
const started = Date.now();

async function logits(texts: string[]): Promise<Float32Array> {
  const ids = texts.map((t) => (tokenizer.encode(t, { add_special_tokens: true }) as number[]).slice(-block.max_length));
  const T = Math.max(...ids.map((r) => r.length));
  const input = new BigInt64Array(ids.length * T);
  const mask = new BigInt64Array(ids.length * T);
  ids.forEach((r, b) => r.forEach((id, j) => { input[b * T + j] = BigInt(id); mask[b * T + j] = 1n; }));
  const out = await session.run({ input_ids: new ort.Tensor('int64', input, [ids.length, T]), attention_mask: new ort.Tensor('int64', mask, [ids.length, T]) });
  return out[block.output]!.data as Float32Array;
}

let pairs = 0;
let consistent = 0;
let firstWins = 0;
let truncated = 0;
const outcomes = [];
for (const entry of suite.subsets) {
  const rows = readSubsetFile(resolve(dirname(BUNDLED_MANIFEST), entry.file), { subset: entry.name });
  const values: number[] = [];
  for (let s = 0; s < rows.length; s += batchSize) {
    const batch = rows.slice(s, s + batchSize);
    const texts = batch.flatMap((r) => {
      const question = formatQuestion(r.prompt);
      if (typeof r.chosen !== 'string' || typeof r.rejected !== 'string') throw new Error(`${entry.name}/${r.id}: not a pair (metric ${entry.metric})`);
      const [chosen, rejected] = [r.chosen, r.rejected];
      return [template.render({ question, response_a: chosen, response_b: rejected }), template.render({ question, response_a: rejected, response_b: chosen })];
    });
    truncated += texts.filter((t) => (tokenizer.encode(t, { add_special_tokens: true }) as number[]).length > block.max_length).length;
    const f = await logits(texts);
    batch.forEach((_, i) => {
      const ab = f[2 * i]!;
      const ba = f[2 * i + 1]!;
      values.push((sigmoid(ab) + 1 - sigmoid(ba)) / 2 > 0.5 ? 1 : 0);
      if (ab > 0 === ba < 0) consistent++;
      firstWins += (ab > 0 ? 1 : 0) + (ba > 0 ? 1 : 0);
    });
  }
  pairs += rows.length;
  outcomes.push({ entry, values, ties: 0 });
  console.log(`${entry.name.padEnd(24)} ${(values.reduce((a, v) => a + v, 0) / values.length).toFixed(4)} (${values.length})`);
}
const result = aggregate(suite.sections, outcomes);
for (const [name, score] of Object.entries(result.sections)) console.log(`section ${name.padEnd(16)} ${score.toFixed(4)}`);
console.log(`overall ${result.overall.toFixed(4)}; ${pairs} pairs, both orders (${2 * pairs} texts, ${truncated} over max_length ${block.max_length})`);
console.log(`order consistency ${(consistent / pairs).toFixed(4)}; position A wins ${(firstWins / (2 * pairs)).toFixed(4)} of single-order decisions; ${((Date.now() - started) / 1000).toFixed(1)} s`);
await session.release();
