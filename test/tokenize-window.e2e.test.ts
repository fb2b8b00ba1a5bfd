/**
 * Windowed tokenisation (a long text is tokenised only on the side the model keeps) against
 * whole-text tokenisation, on every RewardBench v1 text that models/use-lite-bt reads: the token ids
 * must be identical. Its faster siblings on generated texts are in test/bad-input/scoring.test.ts.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readModelFolder } from '../src/scorers/model-folder.js';
import { loadTextSetup } from '../src/scorers/text-setup.js';
import { loadSubsets } from '../src/subsets/load.js';
import { BUNDLED_MANIFEST, resolveSuite } from '../src/subsets/manifest.js';
import { rowItem } from '../src/subsets/types.js';
import { ROOT } from './helpers/cli.js';
import { compareWindowed } from './helpers/windowed.js';

const USE_LITE = join(ROOT, 'models', 'use-lite-bt');

it('windowed tokenisation keeps the token ids of whole-text tokenisation on every RewardBench v1 text of models/use-lite-bt (and every 8th, keeping the start), with windows as small as 64 characters and the default ones', async () => {
  const setup = await loadTextSetup(readModelFolder(USE_LITE));
  const texts = [
    ...new Set(loadSubsets(resolveSuite(BUNDLED_MANIFEST, 'rewardbench-v1')).flatMap((s) => s.rows.flatMap((row) => { const { prompt, chosen, rejected } = rowItem(row); return [...chosen, ...rejected].map((response) => setup.text(prompt, response)); }))),
  ];
  expect(texts.length).toBeGreaterThan(5900); // 5,970 responses, a few identical
  const encode = (text: string) => setup.tokenizer.tokenizer.encode(text, { add_special_tokens: false });
  // 129: the 128 tokens use-lite-bt reads, and one for a BOS that might be dropped.
  const left = compareWindowed(encode, texts, 'left', 129, [64, undefined]);
  const sample = texts.filter((_, i) => i % 8 === 0);
  const right = compareWindowed(encode, sample, 'right', 129, [64]);
  console.log(`texts decided by windows: ${left.windowed} of ${texts.length} keeping the end, ${right.windowed} of ${sample.length} keeping the start`);
  expect(left.mismatches).toEqual([]);
  expect(right.mismatches).toEqual([]);
  // Most texts are longer than the model reads: the windows, not the whole text, decided them.
  expect(left.windowed).toBeGreaterThan(texts.length / 4);
  expect(right.windowed).toBeGreaterThan(sample.length / 10);
}, 600_000);

