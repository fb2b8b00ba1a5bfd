/** @file `rmbench leaderboard`: merge results of one suite into a ranked JSON (and Markdown) export. */
import chalk from 'chalk';
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('leaderboard')
    .description('rank several results of the same suite by overall score, with intervals')
    .argument('<results...>', 'results JSON files')
    .requiredOption('-o, --out <file>', 'leaderboard JSON to write')
    .option('--markdown <file>', 'also write a Markdown table')
    .action(async (paths: string[], o) => {
      const [{ buildLeaderboard, leaderboardMarkdown }, { readResults }, { toJson, writeFileAtomic }] = await Promise.all([
        import('../report/leaderboard.js'),
        import('../report/write.js'),
        import('../io.js'),
      ]);
      const board = buildLeaderboard(paths.map((path) => ({ path, results: readResults(path) })));
      const markdown = leaderboardMarkdown(board);
      writeFileAtomic(o.out, toJson(board));
      if (o.markdown) writeFileAtomic(o.markdown, markdown);
      console.log(markdown);
      console.log(chalk.dim(`leaderboard: ${o.out}${o.markdown ? `\nmarkdown:    ${o.markdown}` : ''}`));
    });
}
