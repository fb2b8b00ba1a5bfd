/**
 * @file ArmoRM-style multi-objective reward models (RLHFlow/ArmoRM): per response the model returns
 * raw objective rewards r [k], prompt-conditioned gating weights g [k], and the score
 * sum_k g_k (r M)_k, where M is the reward transform (identity with a verbosity penalty:
 * (r M)_k = r_k - c_k r_verbosity). Pairs are decided by the model's score. The summary reports
 * each objective's accuracy as if it alone were the reward, the mean gating weight per objective
 * (overall and per section), and the Pearson correlation of the objectives' raw rewards.
 * M comes from the rmbench block (transform, or verbosity_penalties + verbosity_objective); the
 * model's score is checked against sum_k g_k (r M)_k, with one warning on disagreement.
 */
import { UserError } from '../errors.js';
import { outputNames, type ModelFolder, type RmbenchBlock } from './model-folder.js';
import { OnnxResponseModel, type OnnxModelOptions } from './onnx-model.js';
import { groupBy, meanVector, pearson, percent } from './summary.js';
import type { ResponseOutputs, Scorer, ScoredPair } from './types.js';

export interface ArmoOutputs extends ResponseOutputs {
  score: number;
  /** Raw objective rewards r. */
  rewards: Float32Array;
  /** Transformed rewards r M (what the gating mixes). */
  adjusted: Float64Array;
  gating: Float32Array;
}

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

export async function createArmoScorer(folder: ModelFolder, options: OnnxModelOptions = {}): Promise<Scorer<ArmoOutputs>> {
  const block = folder.rmbench;
  const names = outputNames(block);
  const wanted = [names.rewards!, names.gating!, names.score!];
  const hint = 'name them in rmbench.outputs (rewards, gating, score) in config.json';
  const model = await OnnxResponseModel.openFor(folder, options, { required: wanted, hint });
  let objectives = block.objectives ?? null;
  let transform: number[][] | null = null;
  let k: number | null = null;
  const check: ScoreCheck = { checked: 0, mismatches: 0, max_relative_difference: 0 };

  /** Fixes k, the objective names and M from the first outputs. */
  function setUp(rewards: number, gating: number) {
    if (rewards !== gating) throw new UserError(`${folder.onnxPath}: "${names.rewards}" has ${rewards} values per response but "${names.gating}" has ${gating}`);
    if (objectives && objectives.length !== rewards) throw new UserError(`rmbench.objectives names ${objectives.length} objectives; the model has ${rewards}`);
    k = rewards;
    objectives ??= Array.from({ length: k }, (_, i) => `objective_${i}`);
    transform = transformMatrix(block, k, objectives);
  }

  return {
    info: {
      kind: 'armorm',
      model: folder.name,
      path: folder.path,
      sha256: model.sha256,
      config: { ...model.config, outputs: { rewards: names.rewards, gating: names.gating, score: names.score }, objectives: block.objectives ?? null, transform: block.transform ?? null, verbosity_penalties: block.verbosity_penalties ?? null, verbosity_objective: block.verbosity_objective ?? null },
    },
    stats: model.stats,
    async scoreResponses(inputs, onProgress) {
      const rows = await model.run(inputs, wanted, onProgress);
      return rows.map((row, i) => {
        const rewards = row[names.rewards!]!;
        const gating = row[names.gating!]!;
        const score = row[names.score!]!;
        if (k === null) setUp(rewards.length, gating.length);
        if (score.length !== 1) throw new UserError(`${folder.onnxPath}: "${names.score}" has ${score.length} values per response, expected 1`);
        // A NaN objective would pass the score check (NaN > tolerance is false) and skew the report.
        if (!rewards.every(Number.isFinite) || !gating.every(Number.isFinite)) {
          throw new UserError(`${folder.onnxPath}: non-finite "${names.rewards}" [${rewards.join(', ')}] or "${names.gating}" [${gating.join(', ')}] for a response; check the model's outputs`);
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
        if (relative > SCORE_CHECK_TOLERANCE) {
          if (check.mismatches++ === 0) {
            options.onWarning?.(
              `${folder.name}: the model's score ${score[0]} differs from sum_k gating_k (rewards M)_k = ${recomputed} (response ${i + 1}); ` +
                'pairs are decided by the model\'s score; check rmbench.transform or verbosity_penalties',
            );
          }
        }
        return { score: score[0]!, rewards, adjusted, gating };
      });
    },
    prefer: (a, b) => a.score - b.score,
    summarize(pairs) {
      return summarizeArmo(pairs, objectives ?? [], transform !== null, check);
    },
    reportOutputs: (o) => ({ rewards: Array.from(o.rewards), adjusted: Array.from(o.adjusted), gating: Array.from(o.gating) }),
    dispose: () => model.dispose(),
  };
}

/** The ArmoRM report over decided pairs (pure, so tests can check it against hand-computed values). */
export function summarizeArmo(pairs: readonly ScoredPair<ArmoOutputs>[], objectives: readonly string[], transformed: boolean, check?: ScoreCheck) {
  const k = objectives.length;
  const n = pairs.length;
  const accuracy = (pick: (o: ArmoOutputs) => ArrayLike<number>, list: readonly ScoredPair<ArmoOutputs>[], j: number) => {
    let correct = 0;
    let ties = 0;
    for (const p of list) {
      const c = pick(p.chosen)[j]!;
      const r = pick(p.rejected)[j]!;
      if (c > r) correct++;
      else if (c === r) ties++;
    }
    // Over no pairs (suites without pairwise subsets) there is no accuracy: null, not 0.
    return { accuracy: list.length ? correct / list.length : null, ties };
  };
  const perObjective = Object.fromEntries(
    objectives.map((name, j) => {
      const adjusted = accuracy((o) => o.adjusted, pairs, j);
      return [name, transformed ? { ...adjusted, raw_accuracy: accuracy((o) => o.rewards, pairs, j).accuracy } : adjusted];
    }),
  );
  const pairGating = (p: ScoredPair<ArmoOutputs>) => Array.from({ length: k }, (_, j) => (p.chosen.gating[j]! + p.rejected.gating[j]!) / 2);
  const gatingMean = (list: readonly ScoredPair<ArmoOutputs>[]) =>
    Object.fromEntries(meanVector(list.map(pairGating), k).map((g, j) => [objectives[j]!, list.length ? g : null]));
  const sections = groupBy(pairs, (p) => p.section);
  const responses = pairs.flatMap((p) => [p.chosen.rewards, p.rejected.rewards]);
  const column = (j: number) => responses.map((r) => r[j]!);
  const correlation = objectives.map((_, a) => objectives.map((__, b) => pearson(column(a), column(b))));
  const json = {
    kind: 'armorm',
    pairs: n,
    objectives: [...objectives],
    /** Accuracy of each objective alone as the reward (transformed rewards r M when a transform is set); ties count wrong. */
    objective_accuracy: perObjective,
    objective_accuracy_by_section: Object.fromEntries(
      [...sections].map(([section, list]) => [section, Object.fromEntries(objectives.map((name, j) => [name, accuracy((o) => o.adjusted, list, j).accuracy]))]),
    ),
    /** Mean gating weight per objective over pairs (each pair: the mean of its two responses' gating). */
    gating_mean: gatingMean(pairs),
    gating_mean_by_section: Object.fromEntries([...sections].map(([section, list]) => [section, gatingMean(list)])),
    /** Pearson correlation of the raw objective rewards over all scored responses (null: a constant objective). */
    reward_correlation: correlation,
    ...(check ? { score_check: { ...check, tolerance: SCORE_CHECK_TOLERANCE } } : {}),
  };
  const width = Math.max(9, ...objectives.map((o) => o.length)) + 2;
  const text = [
    `ArmoRM objectives over ${n} pairs${transformed ? ' (accuracy of r M)' : ''}:`,
    `  ${'objective'.padEnd(width)}accuracy  mean gating`,
    ...objectives.map((name) => {
      const { accuracy } = perObjective[name]!;
      const gating = json.gating_mean[name];
      return `  ${name.padEnd(width)}${(accuracy === null ? '–' : percent(accuracy)).padStart(8)}  ${(gating == null ? '–' : gating.toFixed(4)).padStart(11)}`;
    }),
  ];
  if (check?.mismatches) text.push(`  score check: ${check.mismatches} of ${check.checked} scores differ from sum_k g_k (r M)_k (largest relative difference ${check.max_relative_difference.toPrecision(3)})`);
  return { json, text };
}
