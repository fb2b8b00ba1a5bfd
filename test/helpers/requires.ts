/**
 * @file What some tests need from outside the repository: a headless Chromium, python3, and the
 * ../shared folder beside the clone (upstream data files and the independent RewardBench checker).
 * Present, the test runs. Missing, it is skipped with one line naming what is missing and how to get
 * it, so `npm ci && npm test` passes on a machine with only Node 20. Under CI=true (as .ci/run runs)
 * a missing requirement fails the test file instead: CI installs them, and a skip there would hide a
 * broken install.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { ROOT } from './cli.js';

/** ../shared beside the clone: the upstream data and the independent checkers. */
export const SHARED = join(ROOT, '..', 'shared');

/**
 * Says whether a requirement is met. `problem` is undefined when it is; otherwise what is wrong.
 * A missing requirement prints one line and returns false (skip), or throws under CI=true.
 */
export function requirement(what: string, problem: string | undefined, howTo: string): boolean {
  if (problem === undefined) return true;
  const line = `${what} is missing (${problem}): ${howTo}`;
  if (process.env.CI === 'true') throw new Error(`CI=true requires it: ${line}`);
  console.warn(`skipped: ${line}`);
  return false;
}

/** The ../shared folder (data files or checkers under it). */
export function hasShared(...parts: string[]): boolean {
  const path = join(SHARED, ...parts);
  return requirement(`../shared/${parts.join('/')}`, existsSync(path) ? undefined : `no ${path}`, 'clone the project beside its shared/ folder (the CI machine has it)');
}

/** python3, for the independent checkers in ../shared/checks. */
export function hasPython(): boolean {
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  return requirement('python3', r.status === 0 ? undefined : (r.error?.message ?? `exit ${r.status}`), 'install it (Debian: apt-get install python3)');
}

const CHROMIUM = process.env.RMBENCH_CHROMIUM ?? '/usr/bin/chromium';

/** A launched headless Chromium, or undefined (skip) when it is absent or fails to launch. */
export async function launchChromium(): Promise<Browser | undefined> {
  let problem: string | undefined;
  let browser: Browser | undefined;
  if (!existsSync(CHROMIUM)) problem = `no ${CHROMIUM}`;
  else {
    try {
      browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
    } catch (err) {
      problem = `${CHROMIUM} failed to launch: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  requirement('a headless Chromium', problem, 'install it (Debian: apt-get install chromium) or set RMBENCH_CHROMIUM to its path');
  return browser;
}
