/**
 * @file `rmbench compare A.json B.json`: item-by-item agreement of two runs of one suite, the
 * Spearman correlation of their margins per subset, and the significance of each section's
 * difference (src/report/compare.ts). Prints a table, or the comparison JSON with --json.
 */
import chalk from 'chalk';
import type { Command } from 'commander';
import type { Comparison } from '../report/compare.js';
import { significanceOptions, warn } from './shared.js';

function render(c: Comparison): string[] {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const lines = [
    chalk.bold(`compare: ${c.b.model} (${c.b.path}) vs ${c.a.model} (${c.a.path}) on ${c.suite.name} v${c.suite.version}`),
    `agreement ${pct(c.agreement)} of ${c.items} items, ${c.flips.length} flips`,
    '',
    `${'subset'.padEnd(26)} ${'n'.padStart(5)} ${'agree'.padStart(8)} ${'flips'.padStart(6)} ${'spearman'.padStart(9)}`,
  ];
  for (const s of c.subsets) {
    lines.push(`${s.name.padEnd(26)} ${String(s.n).padStart(5)} ${pct(s.agreement).padStart(8)} ${String(s.flips.length).padStart(6)} ${(s.spearman === null ? '-' : s.spearman.toFixed(4)).padStart(9)}`);
  }
  lines.push('');
  if ('skipped' in c.significance) {
    lines.push(chalk.yellow(`significance not tested: ${c.significance.skipped}`));
    return lines;
  }
  const sig = c.significance;
  lines.push(chalk.dim(`paired bootstrap, ${sig.resamples} resamples, two-sided, Holm-corrected, alpha ${sig.alpha}`));
  for (const x of sig.comparisons) {
    const delta = `${x.delta_points >= 0 ? '+' : ''}${x.delta_points.toFixed(2)}`;
    const line = `${x.name.padEnd(14)} ${pct(x.a).padStart(8)} -> ${pct(x.b).padStart(8)}  ${delta.padStart(7)} pts  p=${x.p_value.toFixed(4)}  p_holm=${x.p_holm.toFixed(4)}`;
    lines.push(x.significant ? chalk.bold(`${line}  significant`) : line);
  }
  return lines;
}

export function register(program: Command): void {
  program
    .command('compare')
    .description('item-by-item agreement of two runs of one suite (flips, Spearman of margins per subset, significance per section)')
    .argument('<a>', 'results JSON of the first run (its scores file beside it)')
    .argument('<b>', 'results JSON of the second run')
    .option('--json', 'print the comparison as JSON')
    .option('--alpha <p>', 'significance level, Holm-corrected across sections and overall', '0.05')
    .option('--resamples <n>', 'paired bootstrap resamples', '10000')
    .action(async (a: string, b: string, o: { json?: boolean; alpha: string; resamples: string }) => {
      const { alpha, resamples } = significanceOptions(o);
      const [{ readRun }, { compareRuns }] = await Promise.all([import('../report/write.js'), import('../report/compare.js')]);
      const comparison = compareRuns(readRun(a), readRun(b), { alpha, resamples });
      for (const w of comparison.warnings) warn(w);
      console.log(o.json ? JSON.stringify(comparison, null, 2) : render(comparison).join('\n'));
    });
}
