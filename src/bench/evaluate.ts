/**
 * @file From scored items to item outcomes, and from outcomes to a subset's figures.
 * decideSubset() reads the scorer's preference matrices, so Bradley-Terry, multi-objective,
 * general-preference and pairwise kinds are judged by the same rules, each item by its subset's
 * metric (src/metrics). SubsetAccumulator is pure over the outcomes and the rows, so a merge of
 * shards recomputes exactly what one run computes.
 */
import { codePointLength } from '../code-points.js';
import { UserError } from '../errors.js';
import { invalidDecision, itemOutcome } from '../metrics/item.js';
import { metricOf } from '../metrics/registry.js';
import type { Decision, Metric, MetricAccumulator, PreferenceItem, SubsetFigures } from '../metrics/types.js';
import type { SubsetOutcomes } from '../report/aggregate.js';
import { LengthColumns } from '../report/length-bias.js';
import type { BestOfNTies, ItemOutcome } from '../report/schema.js';
import type { ResponseOutputs, ScoredItem, ScoredPair, ScoredSet, Scorer } from '../scorers/types.js';
import type { SubsetEntry } from '../subsets/manifest.js';
import { isSetRow, pairKey, type PairRow, type Row } from '../subsets/types.js';

function checkFinite(scorer: Scorer, key: string, outputs: readonly ResponseOutputs[], preferences: readonly number[]): void {
  const bad = outputs.find((o) => o.score !== undefined && !Number.isFinite(o.score));
  if (bad || preferences.some((p) => !Number.isFinite(p))) {
    throw new UserError(
      `${scorer.info.model}: non-finite score for ${key} (scores ${outputs.map((o) => o.score).join(', ')}; preferences ${preferences.join(', ')}); check the model's outputs`,
    );
  }
}

/**
 * Decides every row of a subset by its metric (src/metrics) from the scorer's ScoredItem for
 * rowItem() of each row, in order; `bestOfNTies` is the suite's rule for best-of-n ties. Returns
 * the outcomes and, for the scorer's own summary, the pairs with outputs (a pair kind's set rows
 * add theirs when the kind summarises sets) and a response kind's sets that it summarises.
 */
export function decideSubset(
  scorer: Scorer,
  entry: SubsetEntry,
  rows: readonly Row[],
  items: readonly ScoredItem[],
  bestOfNTies: BestOfNTies = 'shared',
): { outcomes: ItemOutcome[]; scored: ScoredPair[]; sets: ScoredSet[] } {
  const metric = metricOf(entry.metric);
  const outcomes: ItemOutcome[] = [];
  const scored: ScoredPair[] = [];
  const sets: ScoredSet[] = [];
  const where = { subset: entry.name, section: entry.section };
  rows.forEach((row, i) => {
    const item = items[i]!;
    if (isSetRow(row)) {
      const outcome = itemOutcome(row, ...decide(scorer, entry, metric, `item ${pairKey(row)}`, item, bestOfNTies));
      if (scorer.summary && scorer.summarisesSets) {
        const save = scorer.saveOutputs;
        if (item.pairs) {
          for (const pair of item.pairs) scored.push({ ...where, ...pair });
          if (save) outcome.pair_outputs = item.pairs.map((p) => [save(p.chosen), save(p.rejected)]);
        } else {
          sets.push({ ...where, chosen: item.chosen, rejected: item.rejected });
          if (save) {
            outcome.chosen_outputs = item.chosen.map(save);
            outcome.rejected_outputs = item.rejected.map(save);
          }
        }
      }
      outcomes.push(outcome);
      return;
    }
    const outcome = itemOutcome(row, ...decide(scorer, entry, metric, `pair ${pairKey(row)}`, item, bestOfNTies));
    const chosen = item.chosen[0]!;
    const rejected = item.rejected[0]!;
    if (row.tie) outcome.tie_label = true;
    else if (scorer.summary) {
      scored.push({ subset: entry.name, section: entry.section, chosen, rejected });
      if (scorer.saveOutputs) {
        outcome.chosen_outputs = scorer.saveOutputs(chosen);
        outcome.rejected_outputs = scorer.saveOutputs(rejected);
      }
    }
    outcomes.push(outcome);
  });
  return { outcomes, scored, sets };
}

/**
 * One item's preference matrix and scores, checked, and its metric's decision. An item that reads
 * an invalid output (ScoredItem.invalid) is wrong whatever the metric's tie rule (invalidDecision).
 */
function decide(scorer: Scorer, entry: SubsetEntry, metric: Metric, what: string, scoredItem: ScoredItem, bestOfNTies: BestOfNTies): [PreferenceItem, Decision] {
  const { chosen, rejected, matrix } = scoredItem;
  const item: PreferenceItem = { matrix, chosenScores: chosen.map((o) => o.score ?? null), rejectedScores: rejected.map((o) => o.score ?? null) };
  checkFinite(scorer, what, [...chosen, ...rejected], matrix.flat());
  // A response kind leaves out the scores of invalid answers (a rating judge); a pair kind has none at all.
  const excused = scoredItem.invalid && !scoredItem.pairs;
  if (metric.needsScores && !excused && [...item.chosenScores, ...item.rejectedScores].includes(null)) {
    throw new UserError(`subset ${entry.name}: the ${metric.kind} metric needs a per-response score; scorer kind ${scorer.info.kind} has none`);
  }
  return [item, scoredItem.invalid ? invalidDecision(metric, item, bestOfNTies) : metric.decide(item, bestOfNTies)];
}

/** A subset's figures: its items' values and ties, its metric's figures (SubsetFigures.statistic: the bootstrap's unit when not the item). */
export interface SubsetSummary extends SubsetOutcomes, SubsetFigures {
  /** Pairwise items, for the length-bias analysis. */
  lengths: LengthColumns;
}

/**
 * Accumulates a subset's values, ties, metric figures and length pairs from its rows and their
 * outcomes, window by window (rows and outcomes in the same order), keeping no texts.
 */
export class SubsetAccumulator {
  private readonly values: number[] = [];
  private readonly lengths: LengthColumns;
  private readonly figures: MetricAccumulator;
  private tieCount = 0;
  private tieLabels = 0;

  constructor(readonly entry: SubsetEntry) {
    this.lengths = new LengthColumns(entry.name, entry.length_category ?? null);
    this.figures = metricOf(entry.metric).accumulator();
  }

  add(rows: readonly Row[], outcomes: readonly ItemOutcome[]): this {
    outcomes.forEach((outcome, i) => {
      if (!('value' in outcome)) {
        if (outcome.tie_label) {
          this.tieLabels++;
          return;
        }
        this.values.push(outcome.correct ? 1 : 0);
        if (outcome.margin === 0) this.tieCount++;
        const pair = rows[i] as PairRow;
        this.lengths.push(codePointLength(pair.chosen), codePointLength(pair.rejected), outcome.margin, outcome.correct);
      } else {
        this.values.push(outcome.value);
        if (outcome.tie) this.tieCount++;
      }
      this.figures.add(outcome);
    });
    return this;
  }

  finish(): SubsetSummary {
    const { entry, values } = this;
    if (values.length === 0) throw new UserError(`subset ${entry.name}: every pair is labelled a tie; nothing to score`);
    return { entry, values, ties: this.tieCount, tieLabels: this.tieLabels, lengths: this.lengths, ...this.figures.finish(values.length) };
  }
}
