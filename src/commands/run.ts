/** @file `rmbench run`: score a model on a suite, write results, print the table. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import chalk from 'chalk';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { InvalidArgumentError } from 'commander';
import { list, positiveInt, progressBar, warn } from './shared.js';

function parseShard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || index < 1 || index > count) throw new InvalidArgumentError(`expected K/N with 1 <= K <= N, got "${value}"`);
  return { index, count };
}

/** The embedded default model, built by `npm run build:models` (part of `npm ci`). */
export const DEFAULT_MODEL = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'use-lite-bt');

export function register(program: Command): void {
  program
    .command('run')
    .description('score a model on a suite and write results JSON + per-pair scores JSONL')
    .argument('[model]', 'model folder, or the baseline "length"', DEFAULT_MODEL)
    .option('-s, --suite <name>', 'suite from the dataset manifest', 'rewardbench-v1')
    .option('--manifest <file>', 'dataset manifest (default: ./datasets.manifest.json, else the bundled one)')
    .option('-o, --out <file>', 'results JSON (default: results/<model>.<suite>.json)')
    .option('--scores <file>', 'per-pair scores JSONL (default: beside the results, .scores.jsonl)')
    .option('--subsets <names>', 'only these subsets, comma-separated (marks the run partial)', list)
    .option('--limit <n>', 'at most n pairs per subset (marks the run partial)', positiveInt)
    .option('--shard <K/N>', 'score only shard K of N (a stable hash of subset/id); combine with `rmbench merge`', parseShard)
    .option('--device <name>', 'execution provider: cpu, cuda, webgpu, ... (falls back to cpu)', 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads', positiveInt)
    .option('--token-budget <n>', 'padded tokens per batch', positiveInt)
    .option('--dtype <dtype>', 'weights variant: fp32 (onnx/model.onnx), fp16 (model_fp16.onnx), q8 (model_quantized.onnx)', 'fp32')
    .option('--cache-dir <dir>', 'score cache location (default: $RMBENCH_CACHE_DIR, else ~/.cache/rmbench)')
    .option('--no-cache', 'compute every score; read and write no cache')
    .option('--no-progress', 'no progress bar')
    .action(async (model: string, o) => {
      if (model === DEFAULT_MODEL && !existsSync(model)) {
        throw new UserError(`the default model is not built (${model}); run "npm run build:models" or name a model folder`);
      }
      const [{ run }, { writeRun, defaultResultsPath }, { renderTable }, { parseDevice }, { parseDtype }, { defaultCacheDir }] = await Promise.all([
        import('../bench/run.js'),
        import('../report/write.js'),
        import('../report/table.js'),
        import('../scorers/onnx-session.js'),
        import('../scorers/model-folder.js'),
        import('../scorers/cache.js'),
      ]);
      const bar = o.progress ? await progressBar('scoring') : undefined;
      let output;
      try {
        output = await run({
          model,
          suite: o.suite,
          manifest: o.manifest,
          subsets: o.subsets,
          limit: o.limit,
          shard: o.shard,
          device: parseDevice(o.device),
          threads: o.threads,
          tokenBudget: o.tokenBudget,
          dtype: parseDtype(o.dtype),
          cacheDir: o.cache ? (o.cacheDir ?? defaultCacheDir()) : undefined,
          onProgress: bar?.update,
          onWarning: warn,
        });
      } finally {
        bar?.stop();
      }
      const out = o.out ?? defaultResultsPath(model, o.suite);
      const results = writeRun(output, { out, scores: o.scores });
      console.log(renderTable(results));
      for (const line of output.report) console.log(line);
      console.log(chalk.dim(`results: ${out}\nscores:  ${resolve(dirname(resolve(out)), results.scores_file)}`));
    });
}
