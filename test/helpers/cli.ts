/** Runs the built CLI (dist/cli.js, built by `npm test`'s pretest) as a real subprocess. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = `${ROOT}dist/cli.js`;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One score cache per test file (never the user's ~/.cache/rmbench). */
export const TEST_CACHE = mkdtempSync(join(tmpdir(), 'rmbench-cache-'));

/** `timeoutMs` bounds a command that could block (reading a FIFO): it is killed and its code is null. */
export function rmbench(args: readonly string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}, timeoutMs?: number): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, FORCE_COLOR: '0', RMBENCH_CACHE_DIR: TEST_CACHE, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
