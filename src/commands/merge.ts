/** @file `rmbench merge`: shard results -> the results of one unsharded run. */
import chalk from 'chalk';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { warn } from './shared.js';

export function register(program: Command): void {
  program
    .command('merge')
    .description('combine the results of `run --shard K/N` (all N shards) into the results of one unsharded run')
    .argument('<shards...>', 'shard results JSON files')
    .requiredOption('-o, --out <file>', 'merged results JSON')
    .option('--scores <file>', 'merged per-item scores JSONL (default: beside the results)')
    .option('--manifest <file>', 'dataset manifest the shards ran on (default: ./datasets.manifest.json, else the bundled one)')
    .action(async (paths: string[], o) => {
      const [{ mergeShards }, { checkOutputs, readRun, scoresPathFor, writeRun }, { renderTable }, { defaultManifestPath }] = await Promise.all([
        import('../bench/merge.js'),
        import('../report/write.js'),
        import('../report/table.js'),
        import('../subsets/manifest.js'),
      ]);
      const shards = paths.map(readRun);
      const scores = o.scores ?? scoresPathFor(resolve(o.out));
      checkOutputs(
        [
          { path: o.out, name: 'merged results (--out)' },
          { path: scores, name: 'merged scores (--scores)' },
        ],
        [
          { path: defaultManifestPath(o.manifest), name: 'the dataset manifest' },
          ...shards.flatMap(({ path, results }) => [
            { path, name: 'a shard' },
            { path: resolve(dirname(path), results.scores_file), name: `the scores of shard ${path}` },
          ]),
        ],
      );
      const merged = mergeShards(shards, { manifest: o.manifest, onWarning: warn });
      const results = writeRun(merged, { out: o.out, scores });
      console.log(renderTable(results));
      for (const line of merged.report) console.log(line);
      console.log(chalk.dim(`results: ${o.out}\nscores:  ${resolve(dirname(resolve(o.out)), results.scores_file)}`));
    });
}
