/**
 * @file From scored responses to item outcomes, and from outcomes to a subset's figures.
 * decideSubset() reads the scorer's preference matrices, so Bradley-Terry, multi-objective,
 * general-preference and pairwise kinds are judged by the same rules (src/report/metrics.ts).
 * SubsetAccumulator is pure over the outcomes and the rows, so a merge of shards recomputes exactly
 * what one run computes.
 */
import { UserError } from '../errors.js';
import type { SubsetOutcomes } from '../report/aggregate.js';
import type { Resampler } from '../report/bootstrap.js';
import { LengthColumns } from '../report/length-bias.js';
import { bestOfN, styleMatrix, ties, type TiesGroup } from '../report/metrics.js';
import type { BestOfNTies, ItemOutcome, PairOutcome, SetOutcome } from '../report/schema.js';
import { codePointLength } from '../code-points.js';
import type { ResponseOutputs, ScoredItem, ScoredPair, Scorer } from '../scorers/types.js';
import type { SubsetEntry } from '../subsets/manifest.js';
import { isSetRow, pairKey, type Row, type SetRow } from '../subsets/types.js';

function checkFinite(scorer: Scorer, key: string, outputs: readonly ResponseOutputs[], preferences: readonly number[]): void {
  const bad = outputs.find((o) => o.score !== undefined && !Number.isFinite(o.score));
  if (bad || preferences.some((p) => !Number.isFinite(p))) {
    throw new UserError(
      `${scorer.info.model}: non-finite score for ${key} (scores ${outputs.map((o) => o.score).join(', ')}; preferences ${preferences.join(', ')}); check the model's outputs`,
    );
  }
}

/**
 * Decides every row of a subset from the scorer's ScoredItem for rowItem() of each row, in order;
 * `bestOfNTies` is the suite's rule for best-of-n ties. Returns the outcomes and, for the scorer's
 * own summary, the pairs with outputs.
 */
export function decideSubset(
  scorer: Scorer,
  entry: SubsetEntry,
  rows: readonly Row[],
  items: readonly ScoredItem[],
  bestOfNTies: BestOfNTies = 'shared',
): { outcomes: ItemOutcome[]; scored: ScoredPair[] } {
  const outcomes: ItemOutcome[] = [];
  const scored: ScoredPair[] = [];
  rows.forEach((row, i) => {
    const key = pairKey(row);
    const item = items[i]!;
    if (!isSetRow(row)) {
      const chosen = item.chosen[0]!;
      const rejected = item.rejected[0]!;
      const margin = item.matrix[0]![0]!;
      checkFinite(scorer, `pair ${key}`, [chosen, rejected], [margin]);
      const outcome: PairOutcome = { key, subset: row.subset, id: row.id, chosen_score: chosen.score ?? null, rejected_score: rejected.score ?? null, correct: margin > 0, margin };
      if (row.tie) outcome.tie_label = true;
      else if (scorer.summary) {
        scored.push({ subset: entry.name, section: entry.section, chosen, rejected });
        if (scorer.saveOutputs) {
          outcome.chosen_outputs = scorer.saveOutputs(chosen);
          outcome.rejected_outputs = scorer.saveOutputs(rejected);
        }
      }
      outcomes.push(outcome);
      return;
    }
    outcomes.push(decideSet(scorer, entry, row, key, item, bestOfNTies));
  });
  return { outcomes, scored };
}

function decideSet(scorer: Scorer, entry: SubsetEntry, row: SetRow, key: string, item: ScoredItem, bestOfNTies: BestOfNTies): SetOutcome {
  const { chosen, rejected, matrix } = item;
  const base = { key, subset: row.subset, id: row.id, chosen_scores: chosen.map((o) => o.score ?? null), rejected_scores: rejected.map((o) => o.score ?? null) };
  checkFinite(scorer, `item ${key}`, [...chosen, ...rejected], matrix.flat());
  const tie = matrix.flat().some((p) => p === 0) ? { tie: true as const } : {};
  switch (entry.metric) {
    case 'best-of-n':
      return { ...base, value: bestOfN(matrix[0]!, bestOfNTies), ...tie };
    case 'style-matrix': {
      const { value, ...details } = styleMatrix(matrix);
      return { ...base, value, details, ...tie };
    }
    case 'rb2-ties': {
      if (chosen.some((o) => o.score === undefined) || rejected.some((o) => o.score === undefined)) {
        throw new UserError(`subset ${entry.name}: the rb2-ties metric needs a per-response score; scorer kind ${scorer.info.kind} has none`);
      }
      const margin = Math.min(...base.chosen_scores.map(Number)) - Math.max(...base.rejected_scores.map(Number));
      return { ...base, value: margin > 0 ? 1 : 0, ...(margin === 0 ? { tie: true as const } : {}) };
    }
    default:
      throw new Error(`decideSet: ${entry.metric} is not a set metric`);
  }
}

export interface SubsetSummary extends SubsetOutcomes {
  /** Pairwise items, for the length-bias analysis. */
  lengths: LengthColumns;
  /** Resampling for the bootstrap when the subset score is not a mean of item values (rb2-ties). */
  statistic?: Resampler;
}

/**
 * Accumulates a subset's values, ties, metric parts and length pairs from its rows and their
 * outcomes, window by window (rows and outcomes in the same order), keeping no texts.
 */
export class SubsetAccumulator {
  private readonly values: number[] = [];
  private readonly lengths: LengthColumns;
  private readonly sums: Record<string, number> = {};
  private readonly groups: TiesGroup[] = [];
  private tieCount = 0;
  private tieLabels = 0;

  constructor(readonly entry: SubsetEntry) {
    this.lengths = new LengthColumns(entry.name, entry.length_category ?? null);
  }

  add(rows: readonly Row[], outcomes: readonly ItemOutcome[]): this {
    const entry = this.entry;
    outcomes.forEach((outcome, i) => {
      if (!('value' in outcome)) {
        if (outcome.tie_label) {
          this.tieLabels++;
          return;
        }
        this.values.push(outcome.correct ? 1 : 0);
        if (outcome.margin === 0) this.tieCount++;
        const pair = rows[i] as Exclude<Row, SetRow>;
        this.lengths.push(codePointLength(pair.chosen), codePointLength(pair.rejected), outcome.margin, outcome.correct);
        return;
      }
      this.values.push(outcome.value);
      if (outcome.tie) this.tieCount++;
      for (const [k, v] of Object.entries(outcome.details ?? {})) this.sums[k] = (this.sums[k] ?? 0) + v;
      if (entry.metric === 'rb2-ties') {
        const colon = outcome.id.indexOf(':');
        this.groups.push({
          type: outcome.id.slice(0, colon) as TiesGroup['type'],
          promptId: outcome.id.slice(colon + 1),
          correct: outcome.chosen_scores.map(Number),
          incorrect: outcome.rejected_scores.map(Number),
        });
      }
    });
    return this;
  }

  finish(): SubsetSummary {
    const { entry, values } = this;
    if (values.length === 0) throw new UserError(`subset ${entry.name}: every pair is labelled a tie; nothing to score`);
    const summary: SubsetSummary = { entry, values, ties: this.tieCount, tieLabels: this.tieLabels, lengths: this.lengths };
    if (entry.metric === 'style-matrix') summary.details = Object.fromEntries(Object.entries(this.sums).map(([k, v]) => [k, v / values.length]));
    if (entry.metric === 'rb2-ties') {
      const { score, ...terms } = ties(this.groups);
      summary.accuracy = score;
      summary.details = terms;
      summary.statistic = tiesStatistic(this.groups);
    }
    return summary;
  }
}

/** Bootstrap unit for Ties: a prompt id with its ref and tied groups, resampled together. */
function tiesStatistic(groups: readonly TiesGroup[]): Resampler {
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
