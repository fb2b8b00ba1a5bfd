/** @file The terminal report: subsets grouped by section, then sections and overall. */
import chalk from 'chalk';
import type { Results } from './schema.js';

const pct = (x: number) => (x * 100).toFixed(1).padStart(5);

export function renderTable(results: Pick<Results, 'model' | 'suite' | 'subsets' | 'sections' | 'overall' | 'partial' | 'timing'>): string {
  const lines: string[] = [];
  const nameWidth = Math.max(12, ...Object.keys(results.subsets).map((s) => s.length)) + 2;
  lines.push(chalk.bold(`${results.model} on ${results.suite.name} v${results.suite.version}${results.partial ? chalk.yellow(' (partial run)') : ''}`));
  for (const section of Object.keys(results.sections)) {
    lines.push('', chalk.bold(`${section.padEnd(nameWidth)}${pct(results.sections[section]!)}`));
    for (const [name, s] of Object.entries(results.subsets)) {
      if (s.section !== section) continue;
      const ties = s.ties ? chalk.yellow(`  ${s.ties} tie${s.ties === 1 ? '' : 's'} (counted wrong)`) : '';
      lines.push(`  ${name.padEnd(nameWidth - 2)}${pct(s.accuracy)}  ${chalk.dim(`${s.correct}/${s.n}`)}${ties}`);
    }
  }
  const t = results.timing;
  lines.push(
    '',
    chalk.bold(`${'Overall'.padEnd(nameWidth)}${pct(results.overall)}`),
    chalk.dim(
      `${t.total_s.toFixed(1)} s, ${t.pairs_per_s.toFixed(1)} pairs/s, ${Math.round(t.tokens_per_s)} tokens/s, padding efficiency ${t.padding_efficiency.toFixed(3)}`,
    ),
  );
  return lines.join('\n');
}
