/**
 * @file From scored responses to item outcomes, per subset and metric. Every decision goes through
 * the scorer's prefer(), so Bradley-Terry, multi-objective and general-preference kinds are judged
 * by the same rules (src/report/metrics.ts).
 */
import { UserError } from '../errors.js';
import type { SubsetOutcomes } from '../report/aggregate.js';
import type { LengthPair } from '../report/length-bias.js';
import { bestOfN, styleMatrix, ties, type TiesGroup } from '../report/metrics.js';
import type { ItemOutcome, PairOutcome, SetOutcome } from '../report/schema.js';
import { codePointLength } from '../scorers/length.js';
import type { ResponseInput, ResponseOutputs, ScoredPair, Scorer } from '../scorers/types.js';
import type { SubsetEntry } from '../subsets/manifest.js';
import { isSetRow, pairKey, type Row, type SetRow } from '../subsets/types.js';

/** The responses a row asks the scorer for: chosen first, then rejected. */
export function rowResponses(row: Row): ResponseInput[] {
  const responses = isSetRow(row) ? [...row.chosen, ...row.rejected] : [row.chosen, row.rejected];
  return responses.map((response) => ({ prompt: row.prompt, response }));
}

export interface SubsetEvaluation extends SubsetOutcomes {
  outcomes: ItemOutcome[];
  /** Pairwise items, for the scorer's own summary and the length-bias analysis. */
  scored: ScoredPair[];
  lengths: LengthPair[];
  /** Resampling for the bootstrap when the subset score is not a mean of item values (rb2-ties). */
  statistic?: { units: number; compute(indices: ArrayLike<number>): number };
}

function checkFinite(scorer: Scorer, key: string, outputs: readonly ResponseOutputs[], preferences: readonly number[]): void {
  const bad = outputs.find((o) => o.score !== undefined && !Number.isFinite(o.score));
  if (bad || preferences.some((p) => !Number.isFinite(p))) {
    throw new UserError(
      `${scorer.info.model}: non-finite score for ${key} (scores ${outputs.map((o) => o.score).join(', ')}; preferences ${preferences.join(', ')}); check the model's outputs`,
    );
  }
}

/**
 * Evaluates one subset. `outputs` holds the scorer's outputs for rowResponses() of every row, in
 * order.
 */
export function evaluateSubset(scorer: Scorer, entry: SubsetEntry, rows: readonly Row[], outputs: readonly ResponseOutputs[]): SubsetEvaluation {
  const outcomes: ItemOutcome[] = [];
  const values: number[] = [];
  const scored: ScoredPair[] = [];
  const lengths: LengthPair[] = [];
  const details: Record<string, number> = {};
  const groups: TiesGroup[] = [];
  let ties_ = 0;
  let tieLabels = 0;
  let at = 0;
  for (const row of rows) {
    const key = pairKey(row);
    if (!isSetRow(row)) {
      const chosen = outputs[at++]!;
      const rejected = outputs[at++]!;
      const margin = scorer.prefer(chosen, rejected);
      checkFinite(scorer, `pair ${key}`, [chosen, rejected], [margin]);
      const outcome: PairOutcome = { key, subset: row.subset, id: row.id, chosen_score: chosen.score ?? null, rejected_score: rejected.score ?? null, correct: margin > 0, margin };
      if (row.tie) {
        outcome.tie_label = true;
        tieLabels++;
      } else {
        values.push(margin > 0 ? 1 : 0);
        if (margin === 0) ties_++;
        scored.push({ subset: entry.name, section: entry.section, chosen, rejected });
        lengths.push({
          subset: entry.name,
          category: entry.length_category ?? null,
          chosenChars: codePointLength(row.chosen),
          rejectedChars: codePointLength(row.rejected),
          margin,
          correct: margin > 0,
        });
      }
      outcomes.push(outcome);
      continue;
    }
    const chosen = outputs.slice(at, at + row.chosen.length);
    at += row.chosen.length;
    const rejected = outputs.slice(at, at + row.rejected.length);
    at += row.rejected.length;
    const outcome = evaluateSet(scorer, entry, row, key, chosen, rejected, groups);
    if (outcome.details) for (const [k, v] of Object.entries(outcome.details)) details[k] = (details[k] ?? 0) + v;
    if (outcome.ties) ties_++;
    values.push(outcome.outcome.value);
    outcomes.push(outcome.outcome);
  }
  const evaluation: SubsetEvaluation = { entry, values, ties: ties_, tieLabels, outcomes, scored, lengths };
  if (entry.metric === 'style-matrix') {
    evaluation.details = Object.fromEntries(Object.entries(details).map(([k, v]) => [k, v / values.length]));
  }
  if (entry.metric === 'rb2-ties') {
    const result = ties(groups);
    const { score, ...terms } = result;
    evaluation.accuracy = score;
    evaluation.details = terms;
    evaluation.statistic = tiesStatistic(groups);
  }
  if (values.length === 0) throw new UserError(`subset ${entry.name}: every pair is labelled a tie; nothing to score`);
  return evaluation;
}

function evaluateSet(
  scorer: Scorer,
  entry: SubsetEntry,
  row: SetRow,
  key: string,
  chosen: readonly ResponseOutputs[],
  rejected: readonly ResponseOutputs[],
  groups: TiesGroup[],
): { outcome: SetOutcome; ties: boolean; details?: Record<string, number> } {
  const base = { key, subset: row.subset, id: row.id, chosen_scores: chosen.map((o) => o.score ?? null), rejected_scores: rejected.map((o) => o.score ?? null) };
  const matrix = chosen.map((c) => rejected.map((r) => scorer.prefer(c, r)));
  checkFinite(scorer, `item ${key}`, [...chosen, ...rejected], matrix.flat());
  switch (entry.metric) {
    case 'best-of-n': {
      const prefers = matrix[0]!;
      const value = bestOfN(prefers);
      return { outcome: { ...base, value }, ties: value > 0 && value < 1 };
    }
    case 'style-matrix': {
      const { value, ...details } = styleMatrix(matrix);
      return { outcome: { ...base, value, details }, ties: matrix.flat().some((p) => p === 0), details };
    }
    case 'rb2-ties': {
      if (chosen.some((o) => o.score === undefined) || rejected.some((o) => o.score === undefined)) {
        throw new UserError(`subset ${entry.name}: the rb2-ties metric needs a per-response score; scorer kind ${scorer.info.kind} has none`);
      }
      const [type, promptId] = [row.id.slice(0, row.id.indexOf(':')), row.id.slice(row.id.indexOf(':') + 1)] as ['ref' | 'tied', string];
      const group: TiesGroup = { type, promptId, correct: chosen.map((o) => o.score!), incorrect: rejected.map((o) => o.score!) };
      groups.push(group);
      const margin = Math.min(...group.correct) - Math.max(...group.incorrect);
      return { outcome: { ...base, value: margin > 0 ? 1 : 0 }, ties: margin === 0 };
    }
    default:
      throw new Error(`evaluateSet: ${entry.metric} is not a set metric`);
  }
}

/** Bootstrap unit for Ties: a prompt id with its ref and tied groups, resampled together. */
function tiesStatistic(groups: readonly TiesGroup[]): SubsetEvaluation['statistic'] {
  const prompts = [...new Set(groups.map((g) => g.promptId))];
  const byPrompt = new Map(prompts.map((p) => [p, groups.filter((g) => g.promptId === p)]));
  return {
    units: prompts.length,
    compute(indices) {
      const picked: TiesGroup[] = [];
      Array.from(indices).forEach((index, k) => {
        // A prompt drawn twice counts twice: give each draw its own id.
        for (const g of byPrompt.get(prompts[index]!)!) picked.push({ ...g, promptId: `${g.promptId}#${k}` });
      });
      return ties(picked).score;
    },
  };
}
