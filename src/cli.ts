#!/usr/bin/env node
/**
 * @file The rmbench command line: a thin shell over the library. Each command lives in
 * src/commands/ and imports its code lazily (so `--help` loads no ONNX Runtime); this is the only
 * place that prints errors and sets the exit code.
 */
import chalk from 'chalk';
import { Command } from 'commander';
import * as analyze from './commands/analyze.js';
import * as compare from './commands/compare.js';
import * as data from './commands/data.js';
import * as exportCommand from './commands/export.js';
import * as gate from './commands/gate.js';
import * as importResults from './commands/import-results.js';
import * as inspect from './commands/inspect.js';
import * as leaderboard from './commands/leaderboard.js';
import * as merge from './commands/merge.js';
import * as probe from './commands/probe.js';
import * as report from './commands/report.js';
import * as run from './commands/run.js';
import * as serve from './commands/serve.js';
import { ExitError, UserError, errorMessage } from './errors.js';
import { RMBENCH_VERSION } from './version.js';

const COMMANDS: { register(program: Command): void }[] = [run, merge, data, report, leaderboard, gate, compare, analyze, probe, exportCommand, importResults, inspect, serve];

async function main(argv: string[]): Promise<void> {
  const program = new Command('rmbench')
    .description('Benchmark reward models on preference suites, exactly as the reference benchmarks score them')
    .version(RMBENCH_VERSION)
    .showHelpAfterError();
  for (const command of COMMANDS) command.register(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof ExitError) {
      if (err.message) console.error(chalk.red(`rmbench: ${err.message}`));
      process.exitCode = err.code;
      return;
    }
    if (err instanceof UserError) {
      console.error(chalk.red(`rmbench: ${errorMessage(err)}`));
    } else {
      console.error(chalk.red('rmbench: internal error (please report it):'), err);
    }
    process.exitCode = 1;
  }
}

await main(process.argv);
