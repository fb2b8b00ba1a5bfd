/**
 * @file `rmbench export`: a results JSON (+ its scores) -> reward-bench's eval-set and
 * eval-set-scores files, or an Every Eval Ever record. The outputs are checked first (none may be
 * the input results or scores file, a folder, or under a file); every file's content is built
 * before any is written, and they are written together (src/io.ts writeFilesAtomic).
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import chalk from 'chalk';
import { type Command, Option } from 'commander';
import { UserError } from '../errors.js';

export const EXPORT_FORMATS = ['reward-bench', 'eee'] as const;

/** A model name becomes a path under the output folder (reward-bench's <org>/<model>): no way out of it. */
function modelPath(model: string): string {
  const parts = model.split('/');
  if (isAbsolute(model) || model.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new UserError(`model name "${model}" cannot be a file path under the output folder (expected <name> or <org>/<name>)`);
  }
  return `${model}.json`;
}

export function register(program: Command): void {
  program
    .command('export')
    .description("write a run in reward-bench's result files (eval-set, eval-set-scores) or as an Every Eval Ever record")
    .argument('<results>', 'results JSON written by rmbench (its scores file beside it, as it names it)')
    .addOption(new Option('--format <format>', 'output format').choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption('--out-dir <dir>', 'folder to write into')
    .option('--organization <name>', 'eee: source_metadata.source_organization_name', 'unknown')
    .action(async (file: string, o: { format: (typeof EXPORT_FORMATS)[number]; outDir: string; organization: string }) => {
      const [{ checkOutputs, readRun }, { writeFilesAtomic, toJson }] = await Promise.all([import('../report/write.js'), import('../io.js')]);
      const run = readRun(file);
      const { results } = run;
      if (results.partial) throw new UserError(`${file}: a partial run (--subsets, --limit or --shard) is not an evaluation of the suite; export full runs only`);
      const name = modelPath(results.model);
      const files: [string, string][] = [];
      if (o.format === 'eee') {
        const { toEveryEvalEver } = await import('../interop/eee.js');
        files.push([join(o.outDir, results.suite.name, name), toJson(toEveryEvalEver(results, { organization: o.organization, now: new Date() }))]);
      } else {
        const rb = await import('../interop/reward-bench.js');
        files.push([join(o.outDir, 'eval-set', name), rb.toRewardBenchJson(rb.evalSet(results))]);
        const scores = rb.evalSetScores(results, run.pairs);
        if (scores) files.push([join(o.outDir, 'eval-set-scores', name), rb.toRewardBenchJson(scores)]);
        else console.error(chalk.yellow(`warning: ${results.model} has no per-response scores (a ${results.model_type} model): eval-set-scores not written, as reward-bench writes none for such models`));
      }
      checkOutputs(
        files.map(([path]) => ({ path, name: '--out-dir' })),
        [
          { path: file, name: 'the input results file' },
          { path: resolve(dirname(file), results.scores_file), name: `the scores of ${file}` },
        ],
      );
      writeFilesAtomic(files.map(([path, text]) => [resolve(path), text]));
      for (const [path] of files) console.log(chalk.dim(`wrote ${path}`));
    });
}
