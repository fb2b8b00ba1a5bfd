/**
 * @file Scorer reports of sharded runs. ArmoRM's and GPM's summaries need every decided pair's
 * outputs, which each run stores in its scores file (Scorer.reportOutputs); `rmbench merge` rebuilds
 * the pairs in suite order and calls the same summary function as a run, so the merged report equals
 * the report of one unsharded run. Settings the summary needs (objectives, tau...) come from the
 * shards' own reports; ArmoRM's score check is summed over the shards.
 */
import type { PairOutcome } from '../report/schema.js';
import { summarizeArmo, type ArmoOutputs, type ScoreCheck } from './armorm.js';
import { summarizeGpm, type GpmOutputs } from './gpm.js';
import type { ResponseOutputs, SavedOutputs, ScoredPair, ScorerReport } from './types.js';

/** A decided pair as the scores file has it, with its subset's section. */
export interface SavedPair {
  section: string;
  outcome: PairOutcome;
}

type Report = Record<string, unknown>;

function rebuild<O extends ResponseOutputs>(pairs: readonly SavedPair[], outputs: (saved: SavedOutputs, score: number | null) => O): ScoredPair<O>[] {
  return pairs.map(({ section, outcome }) => ({
    subset: outcome.subset,
    section,
    chosen: outputs(outcome.chosen_outputs!, outcome.chosen_score),
    rejected: outputs(outcome.rejected_outputs!, outcome.rejected_score),
  }));
}

const MERGERS: Record<string, (pairs: readonly SavedPair[], reports: readonly Report[]) => ScorerReport> = {
  armorm(pairs, reports) {
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
    const scored = rebuild<ArmoOutputs>(pairs, (o, score) => ({
      score: score!,
      rewards: Float32Array.from(o.rewards!),
      adjusted: Float64Array.from(o.adjusted!),
      gating: Float32Array.from(o.gating!),
    }));
    return summarizeArmo(scored, first.objectives as string[], perObjective.some((a) => a.raw_accuracy !== undefined), check);
  },
  gpm(pairs, reports) {
    const first = reports[0]!;
    const scored = rebuild<GpmOutputs>(pairs, (o) => ({ embedding: Float32Array.from(o.embedding!), ...(o.lambda ? { lambda: Float32Array.from(o.lambda) } : {}) }));
    return summarizeGpm(scored, first.tau as number, { dimension: first.dimension as number | null, lambda: first.lambda as 'model' | 'ones' });
  },
};

/**
 * The report of the whole run from the shards' reports and every decided pair, in suite order;
 * undefined when the kind has no merger or a pair lacks its stored outputs (results of an older rmbench).
 */
export function mergeScorerReports(reports: readonly Report[], pairs: readonly SavedPair[]): ScorerReport | undefined {
  const merge = MERGERS[String(reports[0]?.kind)];
  if (!merge || pairs.some(({ outcome }) => !outcome.chosen_outputs || !outcome.rejected_outputs)) return undefined;
  return merge(pairs, reports);
}
