/**
 * Would tokenising in a worker thread while session.run works pay on this machine? Tokenises every
 * response of a suite up front, runs all its length-sorted batches alone, then runs them again
 * while a worker thread tokenises every text at the same time, and prints both times.
 * The decision it supports (README, Speed: tokenising stays on the main thread) is that hiding the
 * tokenising costs ONNX Runtime almost as much time as it saves when both want the same 2 cores.
 * Usage: node_modules/.bin/tsx scripts/tokenize-overlap.ts [--model DIR] [--suite NAME]
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { planBatches } from '../src/scorers/batching.js';
import { readModelFolder } from '../src/scorers/model-folder.js';
import { openOnnxBackend } from '../src/scorers/backends/onnx.js';
import { loadSubsets } from '../src/subsets/load.js';
import { BUNDLED_MANIFEST, resolveSuite } from '../src/subsets/manifest.js';
import { rowItem } from '../src/subsets/types.js';

const { values: args } = parseArgs({ options: { model: { type: 'string', default: 'models/use-lite-bt' }, suite: { type: 'string', default: 'rewardbench-v1' } } });
const folder = readModelFolder(resolve(args.model!));
const model = await openOnnxBackend(folder, {}, {});
const texts = loadSubsets(resolveSuite(BUNDLED_MANIFEST, args.suite!)).flatMap((s) =>
  s.rows.flatMap((row) => {
    const { prompt, chosen, rejected } = rowItem(row);
    return [...chosen, ...rejected].map((response) => model.text.text(prompt, response));
  }),
);
const sequences = texts.map((text) => ({ ids: model.text.tokenizer.encode(text) }));
const batches = planBatches(
  sequences.map((s) => s.ids.length),
  4096,
);
const runAll = async () => {
  const started = performance.now();
  for (const batch of batches) await model.runBatch(batch.indices.map((i) => sequences[i]!), model.session.outputNames);
  return (performance.now() - started) / 1000;
};

// The worker tokenises with transformers.js exactly as the main thread does.
const worker = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
   const { AutoTokenizer } = require(workerData.transformers);
   AutoTokenizer.from_pretrained(workerData.folder, { local_files_only: true }).then((tokenizer) => {
     parentPort.postMessage('ready');
     parentPort.once('message', (texts) => {
       const started = performance.now();
       for (const text of texts) tokenizer.encode(text, { add_special_tokens: false });
       parentPort.postMessage((performance.now() - started) / 1000);
     });
   });`,
  { eval: true, workerData: { folder: folder.path, transformers: createRequire(import.meta.url).resolve('@huggingface/transformers') } },
);
await new Promise((ready) => worker.once('message', ready));

await runAll(); // warm-up
const alone = await runAll();
const tokenised = new Promise<number>((done) => worker.once('message', done));
const started = performance.now();
worker.postMessage(texts);
const withWorker = await runAll();
const workerSeconds = await tokenised;
const overlapped = (performance.now() - started) / 1000;
await worker.terminate();
await model.dispose();

console.log(`| ${texts.length} texts, ${batches.length} batches | seconds |`);
console.log('|---|---:|');
console.log(`| session.run alone | ${alone.toFixed(1)} |`);
console.log(`| tokenising in the worker, alongside | ${workerSeconds.toFixed(1)} |`);
console.log(`| session.run with the worker tokenising alongside | ${withWorker.toFixed(1)} (+${(withWorker - alone).toFixed(1)}) |`);
console.log(`| both together, wall | ${overlapped.toFixed(1)} |`);
