/**
 * @file `rmbench analyze RUNS…`: several models' runs of one suite version as an ensemble
 * (src/analysis/ensemble.ts): preference strength per pair and subset, the items every model gets
 * wrong, Cohen's kappa between models; `--export` the flagged items with their texts (JSONL),
 * `--html` a page in the report's style. Every input is checked before any file is written; each
 * file is written atomically.
 */
import { resolve } from 'node:path';
import chalk from 'chalk';
import type { Command } from 'commander';
import { warn } from './shared.js';

export function register(program: Command): void {
  program
    .command('analyze')
    .description('read the runs of >= 2 models on one suite as an ensemble: preference strength per pair and subset, items every model gets wrong, agreement (Cohen\'s kappa)')
    .argument('<runs...>', 'results JSONs written by "rmbench run" (each with its scores file beside it)')
    .option('--json', 'print the analysis as JSON')
    .option('--export <file>', 'write the flagged items (every model wrong, or strongly preferring the rejected response) with their texts as JSONL')
    .option('--html <file>', 'write the analysis as one self-contained HTML page')
    .option('--strong <x>', 'a strength below -x (standardised margins) is a strong preference for the rejected response', '1')
    .option('--manifest <file>', 'dataset manifest for --export\'s texts (default: ./datasets.manifest.json, else the bundled one)')
    .action(async (paths: string[], o: { json?: boolean; export?: string; html?: string; strong: string; manifest?: string }) => {
      const [{ analyze }, { readRun }, { toJson, writeFileAtomic }, { RMBENCH_VERSION }] = await Promise.all([
        import('../analysis/ensemble.js'),
        import('../report/write.js'),
        import('../io.js'),
        import('../version.js'),
      ]);
      const analysis = analyze(paths.map(readRun), { strongThreshold: Number(o.strong) });
      for (const w of analysis.warnings) warn(w);
      // Everything is computed before the first file is written.
      const files: [string, string][] = [];
      if (o.export) {
        const [{ flaggedItems, toJsonl }, { defaultManifestPath, resolveSuite }] = await Promise.all([import('../analysis/export.js'), import('../subsets/manifest.js')]);
        files.push([resolve(o.export), toJsonl(flaggedItems(analysis, resolveSuite(defaultManifestPath(o.manifest), analysis.suite.name)))]);
      }
      if (o.html) {
        const { renderAnalysisHtml } = await import('../analysis/html.js');
        files.push([resolve(o.html), renderAnalysisHtml(analysis, RMBENCH_VERSION)]);
      }
      for (const [path, text] of files) writeFileAtomic(path, text);
      if (o.json) {
        process.stdout.write(toJson(analysis));
        return;
      }
      const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '–' : x.toFixed(d));
      const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : (x * 100).toFixed(1));
      const width = Math.max(6, ...Object.keys(analysis.subsets).map((n) => n.length));
      console.log(chalk.bold(`analyze: ${analysis.models.join(', ')} on ${analysis.suite.name} v${analysis.suite.version}, ${analysis.items} items`));
      console.log(chalk.dim(`${'subset'.padEnd(width)}      n  strength mean   std  prefers-rejected%  strongly%  all-wrong`));
      for (const [name, s] of Object.entries(analysis.subsets)) {
        const st = s.strength;
        console.log(`${name.padEnd(width)}  ${String(s.n).padStart(5)}  ${f(st?.mean).padStart(13)}  ${f(st?.std).padStart(4)}  ${pct(st?.prefers_rejected).padStart(17)}  ${pct(st?.strongly_prefers_rejected).padStart(9)}  ${String(s.all_wrong).padStart(9)}`);
      }
      const mw = Math.max(...analysis.models.map((m) => m.length));
      console.log(chalk.bold("Cohen's kappa (per-item right/wrong)"));
      console.log(`${''.padEnd(mw)}  ${analysis.models.map((m) => m.padStart(mw)).join('  ')}`);
      for (const a of analysis.models) console.log(`${a.padEnd(mw)}  ${analysis.models.map((b) => f(analysis.kappa[a]![b], 3).padStart(mw)).join('  ')}`);
      console.log(`every model wrong: ${analysis.pairs_all_wrong.length} of ${analysis.items} items; flagged for review: ${analysis.flagged.length}`);
      for (const [path] of files) console.log(chalk.dim(`written: ${path}`));
    });
}
