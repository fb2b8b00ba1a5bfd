/**
 * @file `rmbench probe MODEL`: re-scores a seeded, stratified sample of a suite under alternative
 * settings and reports the decision flips and the score change of each (src/analysis/probe.ts).
 * Writes no file; exits 0 when it finishes, whatever it flags.
 */
import chalk from 'chalk';
import type { Command } from 'commander';
import { warn } from './shared.js';

/** An integer option's value, NaN when it is not one (checked in the action, as a one-line UserError). */
const integer = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number.isInteger(Number(value)) ? Number(value) : NaN);

export function register(program: Command): void {
  program
    .command('probe')
    .description('how fragile a model\'s score is: re-score a seeded, stratified sample with max length x1/2 and x2, the other truncation and padding side, special tokens (BOS) toggled, each dtype variant and a smaller token budget; report decision flips and the score change per setting')
    .argument('<model>', 'model folder')
    .option('-s, --suite <name>', 'suite to sample', 'rewardbench-v1')
    .option('--manifest <file>', 'dataset manifest (default: ./datasets.manifest.json, else the bundled one)')
    .option('--sample <n>', 'items to sample, stratified by subset (default 500)')
    .option('--seed <n>', 'sampling seed (default 20240)')
    .option('--dtype <dtype>', 'the base weights variant: fp32, fp16, q8', 'fp32')
    .option('--device <name>', 'execution provider: cpu, cuda, webgpu, ... (falls back to cpu)', 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads')
    .option('--token-budget <n>', 'the base padded tokens per batch (default 4096)')
    .option('--json', 'print the probe as JSON')
    .action(async (model: string, o: Record<string, string | boolean | undefined>) => {
      const [{ probe }, { parseDtype }, { parseDevice }, { toJson }, { UserError }] = await Promise.all([
        import('../analysis/probe.js'),
        import('../scorers/model-folder.js'),
        import('../scorers/devices.js'),
        import('../io.js'),
        import('../errors.js'),
      ]);
      const positive = (name: string, value: string | undefined) => {
        const n = integer(value);
        if (n !== undefined && !(n > 0)) throw new UserError(`--${name} must be a positive integer, got "${value}"`);
        return n;
      };
      const seed = integer(o.seed as string | undefined);
      if (Number.isNaN(seed)) throw new UserError(`--seed must be an integer, got "${o.seed}"`);
      const report = await probe({
        model,
        suite: o.suite as string,
        manifest: o.manifest as string | undefined,
        sample: positive('sample', o.sample as string | undefined),
        seed,
        dtype: parseDtype(o.dtype as string),
        device: parseDevice(o.device as string),
        threads: positive('threads', o.threads as string | undefined),
        tokenBudget: positive('token-budget', o.tokenBudget as string | undefined),
        onWarning: warn,
        onSetting: o.json ? undefined : (name) => console.error(chalk.dim(`probing: ${name}`)),
      });
      if (o.json) {
        process.stdout.write(toJson(report));
        return;
      }
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      const pts = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)}`;
      console.log(chalk.bold(`probe: ${report.model} on ${report.suite.name} v${report.suite.version}, ${report.sample.items} sampled items (seed ${report.sample.seed})`));
      const b = report.base;
      console.log(chalk.dim(`base: max length ${b.max_length}, truncation ${b.truncation_side}, padding ${b.padding_side}, special tokens ${b.add_special_tokens ? 'added' : 'not added'}, dtype ${b.dtype}, token budget ${b.token_budget}; score on the sample ${pct(b.score)}`));
      const width = Math.max(...report.settings.map((s) => s.name.length));
      for (const s of report.settings) {
        if (s.status === 'skipped') {
          console.log(chalk.dim(`${s.name.padEnd(width)}  skipped: ${s.reason}`));
          continue;
        }
        const worst = Object.entries(s.flips!.subsets).filter(([, n]) => n > 0).sort((x, y) => y[1] - x[1]).slice(0, 3).map(([name, n]) => `${name} ${n}`).join(', ');
        const line = `${s.name.padEnd(width)}  ${String(s.flips!.total).padStart(4)} flips (${pct(s.flips!.share)})  score ${pts(s.score!.delta)} pts [${pts(s.score!.interval.low)}, ${pts(s.score!.interval.high)}]${worst ? `  most in: ${worst}` : ''}`;
        console.log(s.flagged ? chalk.yellow(`${line}  FLAG`) : line);
      }
      console.log(`${report.flagged.length} setting(s) change >= ${pct(report.flip_flag_share)} of the decisions${report.flagged.length ? `: ${report.flagged.join(', ')}` : ''}`);
    });
}
