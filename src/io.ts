/**
 * @file File I/O that never leaves a truncated or half-written result behind: writes go to
 * temporary files that are then renamed into place (replaceFiles); a lock file serialises
 * read-modify-write updates (the dataset manifest) between processes; inputs are read only from
 * regular files (a device or FIFO such as /dev/zero or a named pipe would never end), checked with
 * stat before anything is opened.
 *
 * What holds for several files written together (writeFilesAtomic, commitRun): each file is
 * either its old content or its new one, never partial; when a write or rename fails, every file
 * already replaced is put back (the old one is renamed aside first and renamed back), so a
 * reported failure leaves all of them as they were. Only a process killed between two renames can
 * leave some files new and others old, with the old ones kept beside them as `<path>.<pid>.<ms>.old`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from './errors.js';

/** A name beside `path` for a staged or set-aside copy, unique to this process and moment. */
export const stagingPath = (path: string, suffix = 'tmp') => `${path}.${process.pid}.${Date.now()}.${suffix}`;

/** Cleanup after a failure must not hide the failure (e.g. ENOTDIR when the folder is a file). */
function quietly(cleanup: () => void): void {
  try {
    cleanup();
  } catch {
    // the original error is the one to report
  }
}

/** A file-system failure as the user's problem: the path and the error code, on one line. */
export function fileError(path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (err instanceof UserError || code === undefined) return err as Error;
  const blocker = fileInTheWay(path);
  return new UserError(`cannot write ${path} (${code}${blocker ? `: ${blocker} is not a directory` : ''})`, { cause: err });
}

/**
 * Renames each staged file onto its target, setting aside any file already there first; if a
 * rename fails, the targets already replaced get their old files back and every staged file is
 * removed, so a failure changes none of the targets.
 */
export function replaceFiles(moves: readonly (readonly [staged: string, target: string])[]): void {
  const replaced: { target: string; old?: string }[] = [];
  let current = '';
  try {
    for (const [staged, target] of moves) {
      current = target;
      const old = existsSync(target) ? stagingPath(target, 'old') : undefined;
      if (old) renameSync(target, old);
      replaced.push({ target, old });
      renameSync(staged, target);
    }
  } catch (err) {
    for (const { target, old } of replaced.reverse()) quietly(() => (old ? renameSync(old, target) : rmSync(target, { force: true })));
    for (const [staged] of moves) quietly(() => rmSync(staged, { force: true }));
    throw fileError(current, err);
  }
  for (const { old } of replaced) if (old) quietly(() => rmSync(old, { force: true }));
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeFilesAtomic([[path, data]]);
}

/**
 * Writes every file to a temporary name first and renames them into place only when all were
 * written (replaceFiles), so a failure (disk full, permissions, a folder that is a file) changes
 * none of them; it is reported as a UserError naming the path and the error code.
 */
export function writeFilesAtomic(files: readonly (readonly [path: string, data: string | Uint8Array])[]): void {
  const staged = files.map(([path]) => stagingPath(path));
  files.forEach(([path, data], i) => {
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(staged[i]!, data);
    } catch (err) {
      for (const tmp of staged) quietly(() => rmSync(tmp, { force: true }));
      throw fileError(path, err);
    }
  });
  replaceFiles(files.map(([path], i) => [staged[i]!, path]));
}

/**
 * Refuses, before anything opens it, a path that is not a regular file: opening a FIFO for reading
 * waits for a writer, and a device such as /dev/zero never ends.
 */
export function checkRegularFile(path: string, what: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (err) {
    throw new UserError(`${path}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  if (!isFile) throw new UserError(`${path}: cannot read ${what} (not a regular file)`);
}

/** The whole content of a regular file; anything else (directory, device, FIFO) is refused before it is opened. */
export function readRegularFile(path: string, what: string): Buffer {
  checkRegularFile(path, what);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
}

/** The nearest existing ancestor folder of `path` when it is a file, not a folder: nothing can be written under it. */
export function fileInTheWay(path: string): string | undefined {
  let ancestor = dirname(resolve(path));
  while (!existsSync(ancestor)) ancestor = dirname(ancestor);
  return statSync(ancestor).isDirectory() ? undefined : ancestor;
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
