/** @file The terminal report: subsets grouped by section with 95% intervals, then the overall score. */
import chalk from 'chalk';
import { metricOf, tieWords } from '../metrics/registry.js';
import type { Interval, Results } from './schema.js';

/**
 * Text from a results file made safe for a terminal: control characters (ESC sequences, carriage
 * returns, ...) and bidirectional overrides are shown as \u escapes instead of acting on the screen.
 */
export const printable = (text: string): string =>
  text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const pct = (x: number) => (x * 100).toFixed(1).padStart(5);
const range = (i: Interval | undefined) => (i ? chalk.dim(` [${pct(i.low)}, ${pct(i.high)}]`) : '');

export type TableInput = Pick<
  Results,
  'model' | 'suite' | 'subsets' | 'sections' | 'overall' | 'partial' | 'timing' | 'confidence_intervals' | 'length_bias' | 'section_details' | 'overall_details' | 'best_of_n_ties' | 'overall_note'
>;

const parts = (details: Record<string, number> | undefined) =>
  details && 'hard' in details ? chalk.cyan(`  hard ${pct(details.hard!)}  normal ${pct(details.normal!)}  easy ${pct(details.easy!)}`) : '';

export function renderTable(results: TableInput): string {
  const ci = results.confidence_intervals;
  const lines: string[] = [];
  const nameWidth = Math.max(12, ...Object.keys(results.subsets).map((s) => printable(s).length)) + 2;
  const bestOfNTies = results.best_of_n_ties ?? 'shared';
  lines.push(chalk.bold(`${printable(results.model)} on ${printable(results.suite.name)} v${printable(results.suite.version)}${results.partial ? chalk.yellow(' (partial run)') : ''}`));
  const metrics = [...new Set(Object.values(results.subsets).map((s) => s.metric))];
  lines.push(chalk.dim(`metric: ${metrics.map((m) => metricOf(m).label(bestOfNTies)).join('; ')}`));
  lines.push(chalk.dim(`${''.padEnd(nameWidth)}score [95% bootstrap interval]`));
  for (const section of Object.keys(results.sections)) {
    lines.push('', chalk.bold(`${printable(section).padEnd(nameWidth)}${pct(results.sections[section]!)}`) + range(ci.sections[section]) + parts(results.section_details?.[section]));
    for (const [name, s] of Object.entries(results.subsets)) {
      if (s.section !== section) continue;
      const ties = s.ties ? chalk.yellow(`  ${tieWords(s.metric, s.ties, bestOfNTies)}`) : '';
      const labels = s.tie_labels ? chalk.dim(`  ${s.tie_labels} human tie label${s.tie_labels === 1 ? '' : 's'} not scored`) : '';
      const correct = Number.isInteger(s.correct) ? String(s.correct) : s.correct.toFixed(2);
      lines.push(`  ${printable(name).padEnd(nameWidth - 2)}${pct(s.accuracy)}${range(ci.subsets[name])}  ${chalk.dim(`${correct}/${s.n}`)}${parts(s.details)}${ties}${labels}`);
    }
  }
  const t = results.timing;
  lines.push('', chalk.bold(`${'Overall'.padEnd(nameWidth)}${pct(results.overall)}`) + range(ci.overall) + parts(results.overall_details));
  if (results.overall_note) lines.push(chalk.yellow(`overall: ${printable(results.overall_note)}`));
  if (results.length_bias.flag) lines.push(chalk.yellow(`length bias: ${printable(results.length_bias.flag)}`));
  lines.push(
    chalk.dim(
      `${t.total_s.toFixed(1)} s, ${t.pairs_per_s.toFixed(1)} pairs/s, ${Math.round(t.tokens_per_s)} tokens/s, padding efficiency ${t.padding_efficiency.toFixed(3)}`,
    ),
  );
  return lines.join('\n');
}
