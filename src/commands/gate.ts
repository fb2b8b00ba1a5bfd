/**
 * @file `rmbench gate`: the CI regression gate. Exit 0: no significant drop beyond the tolerance;
 * 1: a regression; 2: unusable input or any other error (never 1, so CI can tell them apart).
 */
import chalk from 'chalk';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitError, UserError } from '../errors.js';
import { printable } from '../report/table.js';
import { warn } from './shared.js';

export const GATE_EXIT = { pass: 0, regression: 1, error: 2 } as const;

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UserError(`expected a non-negative number, got "${value}"`);
  return n;
}

export function register(program: Command): void {
  program
    .command('gate')
    .description('fail CI when a candidate run drops significantly below a baseline run (exit 1), pass otherwise (exit 0); 2 on bad input')
    .requiredOption('--baseline <results.json>', 'results of the accepted model')
    .requiredOption('--candidate <results.json>', 'results of the model to check')
    .option('--max-drop <points>', 'tolerated drop in percentage points', '1')
    .option('--alpha <p>', 'significance level, Holm-corrected across sections and overall', '0.05')
    .option('--resamples <n>', 'paired bootstrap resamples', '10000')
    .option('--verdict <file>', 'write the machine-readable verdict JSON here')
    .action(async (o) => {
      let verdict;
      try {
        const [{ gate }, { checkOutputs, readRun, writeOutput }, { toJson }] = await Promise.all([
          import('../report/gate.js'),
          import('../report/write.js'),
          import('../io.js'),
        ]);
        const baseline = readRun(o.baseline);
        const candidate = readRun(o.candidate);
        if (o.verdict) {
          checkOutputs(
            [{ path: o.verdict, name: '--verdict' }],
            [baseline, candidate].flatMap(({ path, results }) => [
              { path, name: 'an input results file' },
              { path: resolve(dirname(path), results.scores_file), name: `the scores of ${path}` },
            ]),
          );
        }
        const alpha = nonNegative(o.alpha);
        const resamples = nonNegative(o.resamples);
        if (alpha <= 0 || alpha >= 1) throw new UserError(`--alpha must be in (0, 1), got ${o.alpha}`);
        if (!Number.isInteger(resamples) || resamples < 100) throw new UserError(`--resamples must be an integer >= 100, got ${o.resamples}`);
        verdict = gate(baseline, candidate, { maxDropPoints: nonNegative(o.maxDrop), alpha, resamples, onWarning: warn });
        if (o.verdict) writeOutput(o.verdict, toJson(verdict));
      } catch (err) {
        const message = err instanceof UserError ? err.message : `internal error: ${(err as Error).stack ?? err}`;
        throw new ExitError(GATE_EXIT.error, message, { cause: err });
      }
      const fmt = (x: number) => (x * 100).toFixed(2);
      console.log(chalk.bold(`gate: ${printable(verdict.candidate.model)} vs ${printable(verdict.baseline.model)} on ${printable(verdict.suite.name)} v${printable(verdict.suite.version)}, ${verdict.pairs} pairs`));
      console.log(chalk.dim(`tolerance ${verdict.max_drop_points} points, alpha ${verdict.alpha} (Holm), ${verdict.resamples} paired bootstrap resamples`));
      for (const x of verdict.comparisons) {
        const delta = `${x.delta_points >= 0 ? '+' : ''}${x.delta_points.toFixed(2)}`;
        const line = `${printable(x.name).padEnd(14)} ${fmt(x.baseline).padStart(6)} -> ${fmt(x.candidate).padStart(6)}  ${delta.padStart(7)} pts  p=${x.p_value.toFixed(4)}  p_holm=${x.p_holm.toFixed(4)}`;
        console.log(x.regression ? chalk.red(`${line}  REGRESSION`) : x.delta_points < 0 ? chalk.yellow(line) : line);
      }
      if (verdict.verdict === 'regression') {
        throw new ExitError(GATE_EXIT.regression, `regression in ${printable(verdict.regressions.join(', '))}`);
      }
      console.log(chalk.green('gate: pass'));
    });
}
