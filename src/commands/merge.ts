/** @file `rmbench merge`: shard results -> the results of one unsharded run. */
import chalk from 'chalk';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('merge')
    .description('combine the results of `run --shard K/N` (all N shards) into the results of one unsharded run')
    .argument('<shards...>', 'shard results JSON files')
    .requiredOption('-o, --out <file>', 'merged results JSON')
    .option('--scores <file>', 'merged per-item scores JSONL (default: beside the results)')
    .option('--manifest <file>', 'dataset manifest the shards ran on (default: ./datasets.manifest.json, else the bundled one)')
    .action(async (paths: string[], o) => {
      const [{ mergeShards }, { readResults, readScores, writeRun }, { renderTable }] = await Promise.all([
        import('../bench/merge.js'),
        import('../report/write.js'),
        import('../report/table.js'),
      ]);
      const shards = paths.map((path) => {
        const results = readResults(path);
        return { path, results, pairs: readScores(path, results) };
      });
      const merged = mergeShards(shards, { manifest: o.manifest });
      const results = writeRun(merged, { out: o.out, scores: o.scores });
      console.log(renderTable(results));
      for (const line of merged.report) console.log(line);
      console.log(chalk.dim(`results: ${o.out}\nscores:  ${resolve(dirname(resolve(o.out)), results.scores_file)}`));
    });
}
