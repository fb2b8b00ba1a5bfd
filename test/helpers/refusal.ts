/** Asserting a refusal through the real CLI: exit code, one message line, no stack trace, nothing changed on disk. */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { CliResult } from './cli.js';

/** Every entry under `dir`: a regular file's sha256 and mtime, anything else (a FIFO, a link) by kind, so a FIFO is never opened. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) out[path] = `${createHash('sha256').update(readFileSync(path)).digest('hex')} ${stat.mtimeMs}`;
      else out[path] = `${stat.isFIFO() ? 'fifo' : 'other'} ${stat.mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

/** Exit code, exactly one stderr line matching `message`, no stack trace, nothing written or changed under `dir`. */
export function expectRefusal(dir: string, command: () => CliResult, code: number, message: RegExp): CliResult {
  const before = snapshot(dir);
  const r = command();
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(snapshot(dir)).toEqual(before);
  return r;
}

/** A user mistake through the CLI: exit 1, one stderr line matching `message`, no stack trace. */
export function expectUserError(r: CliResult, message: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
}
