/** @file `rmbench report`: show a results JSON again, as the terminal table or a self-contained HTML page. */
import { dirname, resolve } from 'node:path';
import chalk from 'chalk';
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('report')
    .description('print the table of a results JSON, or write it as one self-contained HTML page (--html)')
    .argument('<results>', 'results JSON written by "rmbench run" (its per-pair scores file must be beside it, as it names it)')
    .option('--html <file>', 'write a static HTML report: section bars with 95% intervals, subsets, score distributions, length bias')
    .action(async (file: string, o: { html?: string }) => {
      const { checkOutputs, readResults, readScores, writeOutput } = await import('../report/write.js');
      const results = readResults(file);
      if (!o.html) {
        const { renderTable } = await import('../report/table.js');
        console.log(renderTable(results));
        return;
      }
      const out = resolve(o.html);
      checkOutputs(
        [{ path: out, name: '--html' }],
        [
          { path: file, name: 'the results' },
          { path: resolve(dirname(file), results.scores_file), name: 'the scores' },
        ],
      );
      const { renderHtmlReport } = await import('../report/html.js');
      writeOutput(out, renderHtmlReport(results, readScores(file, results)));
      console.log(chalk.dim(`report: ${out}`));
    });
}
