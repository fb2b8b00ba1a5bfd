/** @file What the command modules share: argument parsers, warnings, the progress bar. */
import chalk from 'chalk';
import { UserError } from '../errors.js';
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

export const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);
export const warn = (message: string) => console.error(chalk.yellow(`warning: ${message}`));

/** A progress bar with ETA on stderr (periodic lines when stderr is not a terminal). */
export async function progressBar(label: string) {
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted} elapsed | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done: number, total: number) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** --alpha and --resamples of the commands that run the paired bootstrap (compare, leaderboard tiers). */
export function significanceOptions(o: { alpha: string; resamples: string }): { alpha: number; resamples: number } {
  const alpha = Number(o.alpha);
  const resamples = Number(o.resamples);
  if (!(alpha > 0 && alpha < 1)) throw new UserError(`--alpha must be in (0, 1), got ${o.alpha}`);
  if (!Number.isInteger(resamples) || resamples < 100) throw new UserError(`--resamples must be an integer >= 100, got ${o.resamples}`);
  return { alpha, resamples };
}
