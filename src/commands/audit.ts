/**
 * @file `rmbench data audit`: content-blind baselines (pick-longer, pick-shorter, and pick-A/pick-B
 * where the data keeps its original order) of every subset of
 * a suite against its metric's chance level (src/analysis/audit.ts). Registered under `rmbench data`
 * by src/commands/data.ts. Exits 0 when it finishes, whatever it flags.
 */
import chalk from 'chalk';
import type { Command } from 'commander';

export function registerAudit(data: Command): void {
  data
    .command('audit')
    .description('content-blind baselines (pick the longer / the shorter response) per subset against the metric\'s chance level, with 95% intervals; flags subsets a baseline solves beyond chance')
    .requiredOption('-s, --suite <name>', 'suite to audit')
    .option('--manifest <file>', 'dataset manifest (default: ./datasets.manifest.json, else the bundled one)')
    .option('--json', 'print the audit as JSON')
    .action(async (o: { suite: string; manifest?: string; json?: boolean }) => {
      const [{ auditSuite }, { defaultManifestPath, resolveSuite }, { toJson }] = await Promise.all([
        import('../analysis/audit.js'),
        import('../subsets/manifest.js'),
        import('../io.js'),
      ]);
      const audit = auditSuite(resolveSuite(defaultManifestPath(o.manifest), o.suite));
      if (o.json) {
        process.stdout.write(toJson(audit));
        return;
      }
      const pct = (x: number | null) => (x === null ? '–' : (x * 100).toFixed(1));
      const width = Math.max(6, ...Object.keys(audit.subsets).map((n) => n.length));
      console.log(chalk.bold(`audit: ${audit.suite.name} v${audit.suite.version} (lengths in ${audit.length_unit}s; ${audit.intervals.level * 100}% bootstrap intervals)`));
      console.log(chalk.dim(`${'subset'.padEnd(width)}  metric        n  chance  pick-longer [95%]      pick-shorter [95%]`));
      for (const [name, s] of Object.entries(audit.subsets)) {
        const cell = (b: 'pick_longer' | 'pick_shorter') => {
          const iv = s.intervals?.[b];
          return `${pct(s[b]).padStart(5)} ${iv ? `[${pct(iv.low)}–${pct(iv.high)}]` : ''}`.padEnd(21);
        };
        // Only data that keeps its original A/B order (label imports) has a position baseline.
        const p = s.pick_position;
        const position = p ? `  pick-A ${pct(p.pick_a)} [${pct(p.intervals.pick_a.low)}–${pct(p.intervals.pick_a.high)}]  pick-B ${pct(p.pick_b)} [${pct(p.intervals.pick_b.low)}–${pct(p.intervals.pick_b.high)}]` : '';
        const line = `${name.padEnd(width)}  ${s.metric.padEnd(12)} ${String(s.n).padStart(5)}  ${pct(s.chance).padStart(6)}  ${cell('pick_longer')}  ${cell('pick_shorter')}${position}`;
        console.log(s.flags.length ? chalk.yellow(`${line}  FLAG`) : line);
      }
      if (audit.suite_scores) {
        for (const [b, x] of Object.entries(audit.suite_scores)) {
          console.log(`overall ${b.replace('_', '-')}: ${pct(x.overall)} [${pct(x.overall_interval.low)}–${pct(x.overall_interval.high)}]`);
        }
      }
      for (const name of audit.flagged) for (const flag of audit.subsets[name]!.flags) console.log(chalk.yellow(`${name}: ${flag}`));
      console.log(`${audit.flagged.length} of ${Object.keys(audit.subsets).length} subsets flagged`);
    });
}
