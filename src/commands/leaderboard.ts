/**
 * @file `rmbench leaderboard`: merge results of one suite into a ranked JSON (and Markdown) export,
 * with tiers drawn from the runs' scores files (src/report/leaderboard.ts).
 */
import chalk from 'chalk';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { significanceOptions, warn } from './shared.js';

export function register(program: Command): void {
  program
    .command('leaderboard')
    .description('rank several results of the same suite by overall score, with intervals')
    .argument('<results...>', 'results JSON files')
    .requiredOption('-o, --out <file>', 'leaderboard JSON to write')
    .option('--markdown <file>', 'also write a Markdown table')
    .option('--alpha <p>', 'tiers: significance level of each Holm-adjusted comparison', '0.05')
    .option('--resamples <n>', 'tiers: paired bootstrap resamples', '10000')
    .action(async (paths: string[], o) => {
      const { alpha, resamples } = significanceOptions(o);
      const [{ buildLeaderboard, leaderboardMarkdown, withTiers }, { checkOutputs, readResults, readScores, writeOutput }, { toJson }] = await Promise.all([
        import('../report/leaderboard.js'),
        import('../report/write.js'),
        import('../io.js'),
      ]);
      // The same file named twice (or through a link) is refused, not ranked twice.
      const first = new Map<string, string>();
      for (const path of paths) {
        const real = existsSync(path) ? realpathSync(path) : resolve(path);
        const earlier = first.get(real);
        if (earlier !== undefined) throw new UserError(`${path}: given twice (also as ${earlier}); rank each run once`);
        first.set(real, path);
      }
      const runs = paths.map((path) => ({ path, results: readResults(path) }));
      const inputs = runs.flatMap(({ path, results }) => [
        { path, name: 'a ranked results file' },
        { path: resolve(dirname(path), results.scores_file), name: `the scores of ${path}` },
      ]);
      checkOutputs([{ path: o.out, name: '--out' }, ...(o.markdown ? [{ path: o.markdown, name: '--markdown' }] : [])], inputs);
      // Tiers need every run's per-item scores, read once the runs are known to be rankable together.
      const ranked = buildLeaderboard(runs, { onWarning: warn });
      const board = withTiers(ranked, runs.map((run) => ({ ...run, pairs: readScores(run.path, run.results) })), { alpha, resamples });
      const markdown = leaderboardMarkdown(board);
      writeOutput(o.out, toJson(board));
      if (o.markdown) writeOutput(o.markdown, markdown);
      console.log(markdown);
      console.log(chalk.dim(`leaderboard: ${o.out}${o.markdown ? `\nmarkdown:    ${o.markdown}` : ''}`));
    });
}
