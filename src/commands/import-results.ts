/** @file `rmbench import-results`: a reward-bench eval-set-scores file (v1 or v2) -> rmbench results and scores (src/interop/import-results.ts). */
import { dirname, resolve } from 'node:path';
import chalk from 'chalk';
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('import-results')
    .description('turn a reward-bench eval-set-scores file (v1 or v2) into rmbench results, checked item by item against a suite and recomputed from its scores')
    .argument('<file>', 'eval-set-scores JSON (allenai/reward-bench-results eval-set-scores/<org>/<model>.json, or RewardBench 2\'s)')
    .requiredOption('--suite <name>', 'the suite the file was scored on (e.g. rewardbench-v1)')
    .requiredOption('-o, --out <file>', 'results JSON to write')
    .option('--scores <file>', 'per-item scores JSONL (default: beside the results)')
    .option('--manifest <file>', 'dataset manifest (default: ./datasets.manifest.json, else the bundled one)')
    .action(async (file: string, o: { suite: string; out: string; scores?: string; manifest?: string }) => {
      const [{ importResults }, { checkOutputs, scoresPathFor, writeRun }, { renderTable }] = await Promise.all([import('../interop/import-results.js'), import('../report/write.js'), import('../report/table.js')]);
      checkOutputs(
        [
          { path: o.out, name: '--out' },
          { path: o.scores ?? scoresPathFor(resolve(o.out)), name: o.scores ? '--scores' : 'the scores file beside --out' },
        ],
        [{ path: file, name: 'the input eval-set-scores file' }],
      );
      const output = await importResults({ file, suite: o.suite, manifest: o.manifest });
      const results = writeRun(output, { out: o.out, scores: o.scores });
      console.log(renderTable(results));
      console.log(chalk.dim(`results: ${o.out}\nscores:  ${resolve(dirname(resolve(o.out)), results.scores_file)}`));
    });
}
