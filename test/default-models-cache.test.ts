/**
 * Building a default model into the cache (an install without models/): a cache root that is a
 * file is a UserError naming it; an incomplete target folder is replaced, not a failure on every
 * later run; temporary folders of killed builds are removed once stale.
 */
import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STALE_BUILD_MS, cachedModelDir, removeStaleBuilds } from '../src/default-models/index.js';
import { UserError } from '../src/errors.js';
import { tempDir } from './helpers/suite.js';

describe('default models built into the cache', () => {
  it('a cache root that is a file is refused with a UserError naming it', async () => {
    const file = join(tempDir(), 'cache');
    writeFileSync(file, 'x');
    const error = await cachedModelDir('use-lite-bt', file).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(`cache ${file}: cannot build the default model use-lite-bt there (a file is in the way of the cache folder); pass another --cache-dir`);
  });

  it('an incomplete target folder (no graph) is replaced by a build, and stale build folders are removed', async () => {
    const cacheRoot = tempDir();
    const dir = await cachedModelDir('use-lite-bt', cacheRoot);
    expect(existsSync(join(dir, 'onnx', 'model.onnx'))).toBe(true);
    // What a copy cut short leaves: the folder with some files, without the graph.
    rmSync(join(dir, 'onnx'), { recursive: true });
    const root = dirname(dir);
    const stale = join(root, '.use-lite-bt-killed');
    const fresh = join(root, '.use-lite-armo-running');
    const other = join(root, '.not-a-build');
    for (const d of [stale, fresh, other]) mkdirSync(d);
    const old = (Date.now() - STALE_BUILD_MS - 60_000) / 1000;
    utimesSync(stale, old, old);
    utimesSync(other, old, old);

    expect(await cachedModelDir('use-lite-bt', cacheRoot)).toBe(dir);
    expect(existsSync(join(dir, 'onnx', 'model.onnx'))).toBe(true);
    expect([stale, fresh, other].map((d) => existsSync(d))).toEqual([false, true, true]);
    // A build folder younger than the limit may be a build in progress: kept.
    removeStaleBuilds(root, Date.now() + STALE_BUILD_MS - 60_000);
    expect(existsSync(fresh)).toBe(true);
    removeStaleBuilds(root, Date.now() + STALE_BUILD_MS + 60_000);
    expect(existsSync(fresh)).toBe(false);
  });
});
