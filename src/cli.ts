#!/usr/bin/env node
/**
 * @file The rmbench command line: a thin shell over the library. Commands import their code lazily
 * (so `--help` loads no ONNX Runtime), and this is the only place that prints errors and exits.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import chalk from 'chalk';
import { Command, InvalidArgumentError } from 'commander';
import { UserError, errorMessage } from './errors.js';
import { RMBENCH_VERSION } from './version.js';

/** The embedded default model, built by `npm run build:models` (part of `npm ci`). */
const DEFAULT_MODEL = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'models', 'use-lite-bt');

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);
const warn = (message: string) => console.error(chalk.yellow(`warning: ${message}`));

async function progressBar(label: string) {
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted} elapsed | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done: number, total: number) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function buildProgram(): Command {
  const program = new Command('rmbench')
    .description('Benchmark reward models on preference suites, exactly as the reference benchmarks score them')
    .version(RMBENCH_VERSION)
    .showHelpAfterError();

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
    .option('--device <name>', 'execution provider: cpu, cuda, webgpu, ... (falls back to cpu)', 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads', positiveInt)
    .option('--token-budget <n>', 'padded tokens per batch', positiveInt)
    .option('--no-progress', 'no progress bar')
    .action(async (model: string, o) => {
      if (model === DEFAULT_MODEL && !existsSync(model)) {
        throw new UserError(`the default model is not built (${model}); run "npm run build:models" or name a model folder`);
      }
      const [{ run }, { writeRun, defaultResultsPath }, { renderTable }, { parseDevice }] = await Promise.all([
        import('./bench/run.js'),
        import('./report/write.js'),
        import('./report/table.js'),
        import('./scorers/onnx-session.js'),
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
          device: parseDevice(o.device),
          threads: o.threads,
          tokenBudget: o.tokenBudget,
          onProgress: bar?.update,
          onWarning: warn,
        });
      } finally {
        bar?.stop();
      }
      const out = o.out ?? defaultResultsPath(model, o.suite);
      const results = writeRun(output, { out, scores: o.scores });
      console.log(renderTable(results));
      console.log(chalk.dim(`results: ${out}\nscores:  ${resolve(dirname(resolve(out)), results.scores_file)}`));
    });

  const data = program.command('data').description('manage benchmark data');
  data
    .command('import')
    .description('convert JSONL or Parquet preference data into Arrow subset files + manifest entries')
    .argument('<file>', '.jsonl, .ndjson or .parquet file')
    .requiredOption('-s, --suite <name>', 'suite to create or extend')
    .option('--manifest <file>', 'manifest to write', 'datasets.manifest.json')
    .option('--out-dir <dir>', 'where the Arrow files go (default: datasets/<suite> beside the manifest)')
    .option('--map <pairs>', 'column mapping FIELD=COLUMN,... (fields: id, subset, prompt, chosen, rejected)')
    .option('--subset <name>', 'subset name for every row (when the file has no subset column)')
    .option('--sections <file>', 'JSON: {"sections": {"Name": {"weight": 1, "subsets": {"subset": weight}}}}')
    .option('--suite-version <v>', 'suite version (default: kept, or "1")')
    .option('--description <text>', 'suite description')
    .option('--source <text>', 'where the data comes from')
    .option('--license <text>', 'the data license')
    .action(async (file: string, o) => {
      const { importData, parseColumnMap } = await import('./subsets/import.js');
      const result = await importData({
        file,
        suite: o.suite,
        manifestPath: o.manifest,
        outDir: o.outDir,
        map: o.map ? parseColumnMap(o.map) : undefined,
        subset: o.subset,
        sectionsFile: o.sections,
        version: o.suiteVersion,
        description: o.description,
        source: o.source,
        license: o.license,
      });
      for (const s of result.subsets) console.log(`${s.name.padEnd(28)} ${String(s.rows).padStart(6)} rows  ${s.section}  ${s.file}`);
      console.log(chalk.dim(`manifest: ${result.manifestPath}`));
    });
  data
    .command('list')
    .description('list the suites and subsets of a manifest')
    .option('--manifest <file>', 'dataset manifest (default: ./datasets.manifest.json, else the bundled one)')
    .action(async (o) => {
      const { defaultManifestPath, readManifest } = await import('./subsets/manifest.js');
      const path = defaultManifestPath(o.manifest);
      for (const [name, suite] of Object.entries(readManifest(path).suites)) {
        const rows = suite.subsets.reduce((n, s) => n + s.rows, 0);
        console.log(`${chalk.bold(name)} v${suite.version}: ${suite.subsets.length} subsets, ${rows} rows, sections ${Object.keys(suite.sections).join(', ')}`);
      }
      console.log(chalk.dim(`manifest: ${path}`));
    });
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof UserError) {
      console.error(chalk.red(`rmbench: ${errorMessage(err)}`));
    } else {
      console.error(chalk.red('rmbench: internal error (please report it):'), err);
    }
    process.exitCode = 1;
  }
}

await main(process.argv);
