/**
 * @file ArmoRM-style multi-objective reward models (RLHFlow/ArmoRM): per response the model returns
 * raw objective rewards r [k], prompt-conditioned gating weights g [k], and the score
 * sum_k g_k (r M)_k, where M is the reward transform (identity with a verbosity penalty:
 * (r M)_k = r_k - c_k r_verbosity). Pairs are decided by the model's score. The summary reports
 * each objective's accuracy as if it alone were the reward, the mean gating weight per objective
 * (overall and per section), and the Pearson correlation of the objectives' raw rewards.
 * M comes from the rmbench block (transform, or verbosity_penalties + verbosity_objective); the
 * model's score is checked against sum_k g_k (r M)_k, with one warning on disagreement. The
 * summary is streamed: counts and sums per objective and section, and the raw rewards packed as
 * float32 for the correlation (its two passes need them: k values per response, nothing else).
 */
import { errorMessage, UserError } from '../../errors.js';
import { pearsonOver } from '../../stats.js';
import { outputNames, type RmbenchBlock } from '../model-folder.js';
import { percent } from '../summary.js';
import type { Kind, ResponseOutputs, ScoredPair, ScorerReport, SummaryAccumulator } from '../types.js';

export interface ArmoOutputs extends ResponseOutputs {
  score: number;
  /** Raw objective rewards r. */
  rewards: Float32Array;
  /** Transformed rewards r M (what the gating mixes). */
  adjusted: Float64Array;
  gating: Float32Array;
}

/** inspect's note on a prompt-conditioned head without prompt inputs. */
export const PROMPT_NOTE = (head: string) =>
  `no prompt_input_ids input: the ${head} head must find the prompt inside the full text (as RLHFlow's ArmoRM does at the last assistant header); rmbench feeds the prompt on its own only to graphs with prompt_input_ids`;

/** Relative tolerance of the score check, relative to sum_k |g_k (r M)_k|. */
export const SCORE_CHECK_TOLERANCE = 1e-4;

/** M as rows (M[j][k]: weight of raw objective j in adjusted objective k), or null for identity. */
export function transformMatrix(block: RmbenchBlock, k: number, objectives: readonly string[]): number[][] | null {
  if (block.transform) {
    if (block.transform.length !== k || block.transform.some((row) => row.length !== k)) {
      throw new UserError(`rmbench.transform must be ${k} x ${k} (the model has ${k} objectives)`);
    }
    return block.transform;
  }
  if (!block.verbosity_penalties) return null;
  if (block.verbosity_penalties.length !== k) {
    throw new UserError(`rmbench.verbosity_penalties has ${block.verbosity_penalties.length} values; the model has ${k} objectives`);
  }
  const v = block.verbosity_objective!;
  const index = typeof v === 'number' ? v : objectives.indexOf(v);
  if (index < 0 || index >= k) throw new UserError(`rmbench.verbosity_objective ${JSON.stringify(v)} is not one of the ${k} objectives (${objectives.join(', ')})`);
  const m = Array.from({ length: k }, (_, j) => Array.from({ length: k }, (_, c) => (j === c ? 1 : 0)));
  block.verbosity_penalties.forEach((c, col) => (m[index]![col]! -= c));
  return m;
}

/** r M as a row vector. */
function applyTransform(r: Float32Array, m: number[][] | null): Float64Array {
  if (!m) return Float64Array.from(r);
  const out = new Float64Array(r.length);
  for (let j = 0; j < r.length; j++) for (let k = 0; k < r.length; k++) out[k]! += r[j]! * m[j]![k]!;
  return out;
}

export interface ScoreCheck {
  checked: number;
  mismatches: number;
  max_relative_difference: number;
}

export const armorm: Kind<ArmoOutputs> = {
  name: 'armorm',
  description: 'multi-objective rewards mixed by prompt-conditioned gating (ArmoRM); the higher score wins',
  oneVectorPerText: false,
  outputsField: 'rmbench.outputs',
  rewardBenchType: () => 'Custom Classifier',
  reportLines: armoReportLines,
  inspect(block, graph) {
    const names = outputNames(block);
    const problems: string[] = [];
    const k = graph.width(names.rewards!);
    const g = graph.width(names.gating!);
    if (k !== null && g !== null && k !== g) problems.push(`output ${names.rewards} has ${k} objectives but ${names.gating} has ${g}`);
    if (k !== null) {
      const objectives = block.objectives ?? Array.from({ length: k }, (_, i) => `objective_${i}`);
      if (objectives.length !== k) problems.push(`rmbench.objectives names ${objectives.length} objectives; the model has ${k}`);
      try {
        transformMatrix(block, k, objectives);
      } catch (err) {
        problems.push(errorMessage(err));
      }
    }
    return { problems, notes: graph.promptInputs ? [] : [PROMPT_NOTE('gating')] };
  },
  outputs(block) {
    const names = outputNames(block);
    return { required: { rewards: names.rewards!, gating: names.gating!, score: names.score! }, hint: 'name them in rmbench.outputs (rewards, gating, score) in config.json' };
  },
  open({ block, backend, model, onWarning }) {
    const names = outputNames(block);
    const where = backend.where;
    let objectives = block.objectives ?? null;
    let transform: number[][] | null = null;
    let k: number | null = null;
    const check: ScoreCheck = { checked: 0, mismatches: 0, max_relative_difference: 0 };

    /** Fixes k, the objective names and M from the first outputs. */
    function setUp(rewards: number, gating: number) {
      if (rewards !== gating) throw new UserError(`${where}: "${names.rewards}" has ${rewards} values per response but "${names.gating}" has ${gating}`);
      if (objectives && objectives.length !== rewards) throw new UserError(`rmbench.objectives names ${objectives.length} objectives; the model has ${rewards}`);
      k = rewards;
      objectives ??= Array.from({ length: k }, (_, i) => `objective_${i}`);
      transform = transformMatrix(block, k, objectives);
    }

    return {
      unit: 'response',
      config: { outputs: { rewards: names.rewards, gating: names.gating, score: names.score }, objectives: block.objectives ?? null, transform: block.transform ?? null, verbosity_penalties: block.verbosity_penalties ?? null, verbosity_objective: block.verbosity_objective ?? null },
      read(row, i) {
        const rewards = row[names.rewards!]!;
        const gating = row[names.gating!]!;
        const score = row[names.score!]!;
        if (k === null) setUp(rewards.length, gating.length);
        if (score.length !== 1) throw new UserError(`${where}: "${names.score}" has ${score.length} values per response, expected 1`);
        // A NaN objective would pass the score check (NaN > tolerance is false) and skew the report.
        if (!rewards.every(Number.isFinite) || !gating.every(Number.isFinite)) {
          throw new UserError(`${where}: non-finite "${names.rewards}" [${rewards.join(', ')}] or "${names.gating}" [${gating.join(', ')}] for a response; check the model's outputs`);
        }
        const adjusted = applyTransform(rewards, transform);
        let recomputed = 0;
        let scale = 0;
        for (let j = 0; j < k!; j++) {
          recomputed += gating[j]! * adjusted[j]!;
          scale += Math.abs(gating[j]! * adjusted[j]!);
        }
        const difference = Math.abs(score[0]! - recomputed);
        const relative = scale > 0 ? difference / scale : difference > 0 ? Infinity : 0;
        check.checked++;
        check.max_relative_difference = Math.max(check.max_relative_difference, relative);
        if (relative > SCORE_CHECK_TOLERANCE && check.mismatches++ === 0) {
          onWarning?.(
            `${model}: the model's score ${score[0]} differs from sum_k gating_k (rewards M)_k = ${recomputed} (response ${i + 1}); ` +
              "pairs are decided by the model's score; check rmbench.transform or verbosity_penalties",
          );
        }
        return { score: score[0]!, rewards, adjusted, gating };
      },
      prefer: (a, b) => a.score - b.score,
      summary: () => new ArmoSummary(objectives ?? [], transform !== null, check),
      saveOutputs: (o) => ({ rewards: Array.from(o.rewards), adjusted: Array.from(o.adjusted), gating: Array.from(o.gating) }),
    };
  },
  restorer(reports) {
    const first = reports[0]!;
    const perObjective = Object.values(first.objective_accuracy as Record<string, { raw_accuracy?: number }>);
    const checks = reports.map((r) => r.score_check as ScoreCheck | undefined);
    const check = checks.every((c) => c !== undefined)
      ? {
          checked: checks.reduce((n, c) => n + c!.checked, 0),
          mismatches: checks.reduce((n, c) => n + c!.mismatches, 0),
          max_relative_difference: Math.max(...checks.map((c) => c!.max_relative_difference)),
        }
      : undefined;
    return {
      accumulator: new ArmoSummary(first.objectives as string[], perObjective.some((a) => a.raw_accuracy !== undefined), check),
      restore: (o, score) => ({ score: score!, rewards: Float32Array.from(o.rewards!), adjusted: Float64Array.from(o.adjusted!), gating: Float32Array.from(o.gating!) }),
    };
  },
};

/** Correct and tied pairs per objective. */
class Tally {
  readonly correct: number[];
  readonly ties: number[];
  pairs = 0;
  constructor(k: number) {
    this.correct = new Array<number>(k).fill(0);
    this.ties = new Array<number>(k).fill(0);
  }
  add(c: ArrayLike<number>, r: ArrayLike<number>) {
    this.pairs++;
    for (let j = 0; j < this.correct.length; j++) {
      if (c[j]! > r[j]!) this.correct[j]!++;
      else if (c[j] === r[j]) this.ties[j]!++;
    }
  }
  // Over no pairs (suites without pairwise subsets) there is no accuracy: null, not 0.
  accuracy = (j: number) => (this.pairs ? this.correct[j]! / this.pairs : null);
}

/** Gating sums per objective: each pair adds the mean of its two responses' gating. */
class GatingSum {
  readonly sums: number[];
  pairs = 0;
  constructor(k: number) {
    this.sums = new Array<number>(k).fill(0);
  }
  add(c: ArrayLike<number>, r: ArrayLike<number>) {
    this.pairs++;
    for (let j = 0; j < this.sums.length; j++) this.sums[j]! += (c[j]! + r[j]!) / 2;
  }
  means = (objectives: readonly string[]) => Object.fromEntries(objectives.map((name, j) => [name, this.pairs ? this.sums[j]! / this.pairs : null]));
}

/**
 * The ArmoRM report over decided pairs, streamed: each objective's accuracy as if it alone were the
 * reward, the mean gating weight per objective (overall and per section), and the Pearson
 * correlation of the objectives' raw rewards over every scored response.
 */
export class ArmoSummary implements SummaryAccumulator<ArmoOutputs> {
  private readonly k: number;
  private readonly adjusted: Tally;
  private readonly raw: Tally;
  private readonly gating: GatingSum;
  private readonly sections = new Map<string, { adjusted: Tally; gating: GatingSum }>();
  /** Raw rewards of every response, k per response, for the correlation. */
  private rewards: Float32Array;
  private responses = 0;

  constructor(
    private readonly objectives: readonly string[],
    private readonly transformed: boolean,
    private readonly check?: ScoreCheck,
  ) {
    this.k = objectives.length;
    this.adjusted = new Tally(this.k);
    this.raw = new Tally(this.k);
    this.gating = new GatingSum(this.k);
    this.rewards = new Float32Array(this.k * 1024);
  }

  add({ section, chosen, rejected }: ScoredPair<ArmoOutputs>): void {
    this.adjusted.add(chosen.adjusted, rejected.adjusted);
    this.raw.add(chosen.rewards, rejected.rewards);
    this.gating.add(chosen.gating, rejected.gating);
    let s = this.sections.get(section);
    if (!s) this.sections.set(section, (s = { adjusted: new Tally(this.k), gating: new GatingSum(this.k) }));
    s.adjusted.add(chosen.adjusted, rejected.adjusted);
    s.gating.add(chosen.gating, rejected.gating);
    for (const r of [chosen.rewards, rejected.rewards]) {
      if ((this.responses + 1) * this.k > this.rewards.length) {
        const grown = new Float32Array(this.rewards.length * 2);
        grown.set(this.rewards);
        this.rewards = grown;
      }
      this.rewards.set(r.subarray(0, this.k), this.responses * this.k);
      this.responses++;
    }
  }

  finish(): ScorerReport {
    const { objectives, k, check, transformed } = this;
    const n = this.adjusted.pairs;
    const perObjective = Object.fromEntries(
      objectives.map((name, j) => {
        const adjusted = { accuracy: this.adjusted.accuracy(j), ties: this.adjusted.ties[j]! };
        return [name, transformed ? { ...adjusted, raw_accuracy: this.raw.accuracy(j) } : adjusted];
      }),
    );
    const column = (j: number) => Array.from({ length: this.responses }, (_, i) => this.rewards[i * k + j]!);
    const columns = objectives.map((_, j) => column(j));
    const correlation = objectives.map((_, a) => objectives.map((__, b) => pearsonOver([{ xs: columns[a]!, ys: columns[b]! }])));
    const gatingMean = this.gating.means(objectives);
    const json = {
      kind: 'armorm',
      pairs: n,
      objectives: [...objectives],
      /** Accuracy of each objective alone as the reward (transformed rewards r M when a transform is set); ties count wrong. */
      objective_accuracy: perObjective,
      objective_accuracy_by_section: Object.fromEntries(
        [...this.sections].map(([section, s]) => [section, Object.fromEntries(objectives.map((name, j) => [name, s.adjusted.accuracy(j)]))]),
      ),
      /** Mean gating weight per objective over pairs (each pair: the mean of its two responses' gating). */
      gating_mean: gatingMean,
      gating_mean_by_section: Object.fromEntries([...this.sections].map(([section, s]) => [section, s.gating.means(objectives)])),
      /** Pearson correlation of the raw objective rewards over all scored responses (null: a constant objective). */
      reward_correlation: correlation,
      ...(check ? { score_check: { ...check, tolerance: SCORE_CHECK_TOLERANCE } } : {}),
    };
    return { json, text: armoReportLines(json) };
  }
}

/** The terminal and HTML lines of an ArmoRM report (from its JSON, so a saved run renders the same). */
function armoReportLines(report: Record<string, unknown>): string[] {
  const json = report as { pairs: number; objectives: string[]; objective_accuracy: Record<string, { accuracy: number | null; raw_accuracy?: number | null }>; gating_mean: Record<string, number | null>; score_check?: ScoreCheck };
  const transformed = Object.values(json.objective_accuracy).some((a) => a.raw_accuracy !== undefined);
  const width = Math.max(9, ...json.objectives.map((o) => o.length)) + 2;
  const text = [
    `ArmoRM objectives over ${json.pairs} pairs${transformed ? ' (accuracy of r M)' : ''}:`,
    `  ${'objective'.padEnd(width)}accuracy  mean gating`,
    ...json.objectives.map((name) => {
      const { accuracy } = json.objective_accuracy[name]!;
      const gating = json.gating_mean[name];
      return `  ${name.padEnd(width)}${(accuracy === null ? '–' : percent(accuracy)).padStart(8)}  ${(gating == null ? '–' : gating.toFixed(4)).padStart(11)}`;
    }),
  ];
  const check = json.score_check;
  if (check?.mismatches) text.push(`  score check: ${check.mismatches} of ${check.checked} scores differ from sum_k g_k (r M)_k (largest relative difference ${check.max_relative_difference.toPrecision(3)})`);
  return text;
}
