/**
 * Preloaded into a real `rmbench run` by the kill-and-resume test (`node --import THIS dist/cli.js`):
 * the process SIGKILLs itself right after its Nth write to a file under RMBENCH_CACHE_DIR
 * (N = RMBENCH_TEST_KILL_AFTER_WRITES), i.e. in the middle of scoring, at a point that does not
 * depend on timing. Nothing in rmbench itself knows about it.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve, sep } from 'node:path';

const limit = Number(process.env.RMBENCH_TEST_KILL_AFTER_WRITES);
const root = resolve(process.env.RMBENCH_CACHE_DIR ?? '') + sep;
const cacheFiles = new Set();
let writes = 0;
const { openSync, writeSync } = fs;
fs.openSync = function (path, ...rest) {
  const fd = openSync.call(this, path, ...rest);
  if (resolve(String(path)).startsWith(root)) cacheFiles.add(fd);
  return fd;
};
fs.writeSync = function (fd, ...rest) {
  const written = writeSync.call(this, fd, ...rest);
  if (cacheFiles.has(fd) && ++writes >= limit) process.kill(process.pid, 'SIGKILL');
  return written;
};
syncBuiltinESMExports();
