/** @file `rmbench data import|list`: bring preference data in as Arrow subsets + manifest entries. */
import chalk from 'chalk';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { registerAudit } from './audit.js';
import { warn } from './shared.js';

export function register(program: Command): void {
  const data = program.command('data').description('manage benchmark data');
  registerAudit(data);
  data
    .command('import')
    .description('convert JSONL or Parquet preference data into Arrow subset files + manifest entries')
    .argument('<file>', '.jsonl, .ndjson or .parquet file, or a folder of .parquet shards (imported as one file)')
    .requiredOption('-s, --suite <name>', 'suite to create or extend')
    .option('--manifest <file>', 'manifest to write', 'datasets.manifest.json')
    .option('--out-dir <dir>', 'where the Arrow files go (default: datasets/<suite> beside the manifest)')
    .option(
      '--map <pairs>',
      'column mapping FIELD=COLUMN,... (fields: id, subset, prompt, documents, and the responses as chosen, rejected[, tie]; ' +
        'response_a, response_b with label or winner_a, winner_b[, winner_tie]; responses, ratings; or response, rating with one row per response)',
    )
    .option('--label-values <spec>', 'what label values mean, e.g. "A=A>B|A>>B,B=B>A|B>>A,tie=A=B" (default: A>B, model_a, true, 1 / B>A, model_b, false, 0 / A=B, tie, tie (bothbad))')
    .option('--drop-ties', 'leave tie labels out (default: kept as pairs labelled tie, not counted in accuracy)')
    .option('--min-margin <x>', 'ratings: smallest rating difference that makes a pair (default: any)')
    .option('--subset <name>', 'subset name for every row (when the file has no subset column)')
    .option('--metric <kind>', 'pairwise (default), best-of-n, style-matrix or rb2-ties; per subset in the sections file')
    .option('--sections <file>', 'JSON: {"sections": {"Name": {"weight": 1, "subsets": {"subset": weight}}}}')
    .option('--suite-version <v>', 'suite version (default: kept; "1" for a new suite; VERSION+<data sha256 prefix> when the data changed)')
    .option('--description <text>', 'suite description')
    .option('--source <text>', 'where the data comes from')
    .option('--license <text>', 'the data license')
    .action(async (file: string, o) => {
      const [{ importData, parseColumnMap, parseMetric }, { parseLabelValues }] = await Promise.all([import('../subsets/import.js'), import('../subsets/labels.js')]);
      const minMargin = o.minMargin === undefined ? undefined : Number(o.minMargin);
      if (minMargin !== undefined && !(Number.isFinite(minMargin) && minMargin >= 0)) throw new UserError(`--min-margin must be a number >= 0, got ${o.minMargin}`);
      const result = await importData({
        file,
        suite: o.suite,
        manifestPath: o.manifest,
        outDir: o.outDir,
        map: o.map ? parseColumnMap(o.map) : undefined,
        subset: o.subset,
        metric: o.metric === undefined ? undefined : parseMetric(o.metric),
        sectionsFile: o.sections,
        version: o.suiteVersion,
        description: o.description,
        source: o.source,
        license: o.license,
        convert: { labelValues: o.labelValues === undefined ? undefined : parseLabelValues(o.labelValues), dropTies: o.dropTies === true, minMargin },
      });
      for (const s of result.subsets) console.log(`${s.name.padEnd(28)} ${String(s.rows).padStart(6)} rows  ${s.section}  ${s.file}`);
      const { records, rows, ties, ties_dropped, below_margin, without_pair, outcomes, numeric_labels } = result.summary;
      console.log(
        `${records} records -> ${rows} rows; ${ties} ties (${ties - ties_dropped} kept as tie labels, ${ties_dropped} dropped); ` +
          `${below_margin} responses under --min-margin; ${without_pair} records without a pair` +
          (outcomes ? `; labels: ${outcomes.A} A wins, ${outcomes.B} B wins, ${outcomes.tie} ties` : ''),
      );
      if (numeric_labels) {
        warn(
          `${numeric_labels} labels are numbers or booleans, read as 1/true = response_a wins and 0/false = response_b wins; ` +
            `if 0 means the first response wins, re-import with --label-values "A=0,B=1"`,
        );
      }
      const changed = result.dataChanged;
      if (changed) {
        const which = [...changed.changed.map((n) => `${n} (changed)`), ...changed.added.map((n) => `${n} (added)`)].join(', ');
        console.log(chalk.yellow(`data changed: suite "${o.suite}" version ${changed.previousVersion} -> ${result.version}; ${which}`));
      }
      console.log(chalk.dim(`manifest: ${result.manifestPath}`));
    });
  data
    .command('overlap')
    .description('which rows of a training file share a prompt with a suite (normalised: lowercase, whitespace collapsed), to exclude them before training')
    .argument('<file>', '.jsonl, .ndjson or .parquet training data')
    .option('-s, --suite <name>', 'suite to check against', 'rewardbench-v1')
    .option('--manifest <file>', 'dataset manifest (default: ./datasets.manifest.json, else the bundled one)')
    .option('--map <pairs>', 'column mapping FIELD=COLUMN,... for prompt, id and subset')
    .option('--json', 'print the overlap as JSON')
    .action(async (file: string, o) => {
      const [{ trainingOverlap }, { parseColumnMap }, { defaultManifestPath, resolveSuite }] = await Promise.all([
        import('../subsets/overlap.js'),
        import('../subsets/import.js'),
        import('../subsets/manifest.js'),
      ]);
      const overlap = await trainingOverlap(file, resolveSuite(defaultManifestPath(o.manifest), o.suite), o.map ? parseColumnMap(o.map) : {});
      if (o.json) {
        console.log(JSON.stringify(overlap, null, 2));
        return;
      }
      for (const row of overlap.overlapping) console.log(`${row.subset}/${row.id}  ->  ${row.matches.join(', ')}`);
      console.log(
        `${overlap.overlapping.length} of ${overlap.rows} training rows share a prompt with ${overlap.suite}; ${overlap.rows - overlap.overlapping.length} remain`,
      );
    });
  data
    .command('list')
    .description('list the suites and subsets of a manifest')
    .option('--manifest <file>', 'dataset manifest (default: ./datasets.manifest.json, else the bundled one)')
    .action(async (o) => {
      const { defaultManifestPath, readManifest } = await import('../subsets/manifest.js');
      const path = defaultManifestPath(o.manifest);
      for (const [name, suite] of Object.entries(readManifest(path).suites)) {
        const rows = suite.subsets.reduce((n, s) => n + s.rows, 0);
        console.log(`${chalk.bold(name)} v${suite.version}: ${suite.subsets.length} subsets, ${rows} rows, sections ${Object.keys(suite.sections).join(', ')}`);
      }
      console.log(chalk.dim(`manifest: ${path}`));
    });
}
