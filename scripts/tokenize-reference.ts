/**
 * @file The bare-encode reference for a run's tokenising time: transformers.js's
 * tokenizer.encode(text) over every response text of a suite, formatted as the model folder
 * formats it (use-lite-bt: `User: <prompt>\n\nAssistant: <response>`), whole texts, no windows, no
 * dedup, nothing around the call; the median of 3 passes, in a fresh node process. A run tokenises
 * the same texts, so its timing.tokenize_s over this median is what rmbench adds around the tokenizer.
 * The process runs with --no-allocation-site-pretenuring, as every process that loads rmbench's
 * tokenizer does (src/scorers/tokenize.ts): the reference measures the tokenizer, not whether V8
 * happened to pretenure its lattice.
 * `npm run bench` runs it beside each measured run; on its own (after `npm run build`):
 * node_modules/.bin/tsx scripts/tokenize-reference.ts [--model DIR] [--suite NAME] [--passes N]
 * prints the JSON.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { distModule, runFresh } from './fresh-process.js';

export interface BareEncodeReference {
  texts: number;
  characters: number;
  tokens: number;
  /** Seconds per pass over all texts, in order. */
  passes_s: number[];
  median_s: number;
}

const CODE = `
  const [{ readModelFolder }, { loadTextSetup }, { loadSubsets }, { defaultManifestPath, resolveSuite }, { rowItem }] = await Promise.all(
    ${JSON.stringify(['scorers/model-folder.js', 'scorers/text-setup.js', 'subsets/load.js', 'subsets/manifest.js', 'subsets/types.js'].map(distModule))}.map((m) => import(m)),
  );
  const { model, suite, passes } = JSON.parse(process.argv[1]);
  const setup = await loadTextSetup(readModelFolder(model));
  const texts = loadSubsets(resolveSuite(defaultManifestPath(), suite))
    .flatMap((subset) => subset.rows.map(rowItem))
    .flatMap((item) => [...item.chosen, ...item.rejected].map((response) => setup.text(item.prompt, response)));
  const tokenizer = setup.tokenizer.tokenizer;
  const options = { add_special_tokens: setup.addSpecialTokens.value };
  const passes_s = [];
  let tokens = 0;
  for (let pass = 0; pass < passes; pass++) {
    tokens = 0;
    const started = performance.now();
    for (const text of texts) tokens += tokenizer.encode(text, options).length;
    passes_s.push((performance.now() - started) / 1000);
  }
  const median_s = [...passes_s].sort((a, b) => a - b)[Math.floor(passes / 2)];
  const characters = texts.reduce((n, text) => n + text.length, 0);
  process.stdout.write(JSON.stringify({ texts: texts.length, characters, tokens, passes_s, median_s }));`;

/** The reference for a model folder on a suite (the suite resolved as `rmbench run` does, from the working directory). */
export function bareEncodeReference(model: string, suite: string, passes = 3): BareEncodeReference {
  if (!Number.isInteger(passes) || passes < 1) throw new Error(`--passes must be a whole number of at least 1, not ${passes}`);
  return runFresh<BareEncodeReference>('bare-encode reference', CODE, { model: resolve(model), suite, passes }, ['--no-allocation-site-pretenuring']);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({
    options: { model: { type: 'string', default: 'models/use-lite-bt' }, suite: { type: 'string', default: 'rewardbench-v1' }, passes: { type: 'string', default: '3' } },
  });
  console.log(JSON.stringify(bareEncodeReference(args.model!, args.suite!, Number(args.passes)), null, 2));
}
