/**
 * @file File I/O that never leaves a truncated or half-written result behind: writes go to a
 * temporary file that is then renamed into place; a lock file serialises read-modify-write
 * updates (the dataset manifest) between processes; inputs are read only from regular files (a
 * device or FIFO such as /dev/zero would never end).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from './errors.js';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeFilesAtomic([[path, data]]);
}

/**
 * Writes every file to a temporary name first and renames them into place only when all were
 * written, so a failure (disk full, permissions) changes none of them.
 */
export function writeFilesAtomic(files: readonly (readonly [path: string, data: string | Uint8Array])[]): void {
  const temporary = files.map(([path]) => `${path}.${process.pid}.${Date.now()}.tmp`);
  try {
    files.forEach(([path, data], i) => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(temporary[i]!, data);
    });
    files.forEach(([path], i) => renameSync(temporary[i]!, path));
  } catch (err) {
    for (const tmp of temporary) rmSync(tmp, { force: true });
    throw err;
  }
}

/** The whole content of a regular file; anything else (directory, device, FIFO) is refused. */
export function readRegularFile(path: string, what: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new UserError(`${path}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UserError(`${path}: cannot read ${what} (not a regular file)`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface LockOptions {
  /** How long to wait for another process's lock before giving up (default 60 s). */
  waitMs?: number;
  /** Pause between attempts (default 25 ms). */
  retryMs?: number;
}

function lockHolderAlive(lockPath: string): boolean {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
  } catch {
    return true; // gone (or being written) already: try again
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `body` while holding `<path>.lock` (created exclusively, holding this process's pid), so
 * that concurrent read-modify-write updates of `path` from several processes never lose one
 * another's changes. A lock left by a process that no longer runs is removed.
 */
export async function withFileLock<T>(path: string, body: () => T | Promise<T>, options: LockOptions = {}): Promise<T> {
  const lockPath = `${path}.lock`;
  const waitMs = options.waitMs ?? 60_000;
  const retryMs = options.retryMs ?? 25;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let waited = 0; ; waited += retryMs) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`${lockPath}: cannot create the lock file (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    if (!lockHolderAlive(lockPath)) {
      rmSync(lockPath, { force: true });
      continue;
    }
    if (waited >= waitMs) throw new UserError(`${path} is locked by another rmbench process (${lockPath}); remove the lock file if none is running`);
    await sleep(retryMs);
  }
  try {
    return await body();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

export const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
