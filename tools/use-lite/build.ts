/**
 * @file `npm run build:models`: writes the default reward model folders models/use-lite-bt,
 * models/use-lite-armo, models/use-lite-gpm and models/use-lite-pairpm of a clone (src/default-models/build.ts does the work).
 *
 *   node_modules/.bin/tsx tools/use-lite/build.ts [--out models] [--only use-lite-bt,...]
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildModels } from '../../src/default-models/build.js';
import { MODELS, type ModelName } from '../../src/default-models/names.js';

const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' } } });
const outRoot = resolve(values.out ?? join(import.meta.dirname, '..', '..', 'models'));
const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...MODELS];
for (const m of only) if (!(MODELS as readonly string[]).includes(m)) throw new Error(`unknown model ${m} (expected one of ${MODELS.join(', ')})`);
const started = Date.now();
for (const dir of buildModels(outRoot, only as ModelName[])) console.log(`build:models: wrote ${dir}`);
console.log(`build:models: ${only.length} model folder(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
