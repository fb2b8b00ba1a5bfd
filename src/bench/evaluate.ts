/**
 * @file From scored responses to item outcomes, and from outcomes to a subset's figures.
 * decideSubset() needs the scorer: every preference matrix is built through its prefer(), so
 * Bradley-Terry, multi-objective and general-preference kinds are judged by the same rules, each
 * item by its subset's metric (src/metrics). SubsetAccumulator is pure over the outcomes and the
 * rows, so a merge of shards recomputes exactly what one run computes.
 */
import { UserError } from '../errors.js';
import { itemOutcome, preferenceItem } from '../metrics/item.js';
import { metricOf } from '../metrics/registry.js';
import type { Decision, Metric, MetricAccumulator, PreferenceItem, SubsetFigures } from '../metrics/types.js';
import type { SubsetOutcomes } from '../report/aggregate.js';
import { LengthColumns } from '../report/length-bias.js';
import type { BestOfNTies, ItemOutcome } from '../report/schema.js';
import { codePointLength } from '../scorers/length.js';
import type { ResponseInput, ResponseOutputs, ScoredPair, Scorer } from '../scorers/types.js';
import type { SubsetEntry } from '../subsets/manifest.js';
import { isSetRow, pairKey, type PairRow, type Row } from '../subsets/types.js';

/** The responses a row asks the scorer for: chosen first, then rejected. */
export function rowResponses(row: Row): ResponseInput[] {
  const responses = isSetRow(row) ? [...row.chosen, ...row.rejected] : [row.chosen, row.rejected];
  return responses.map((response) => ({ prompt: row.prompt, response }));
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
 * Decides every row of a subset by its metric (src/metrics). `outputs` holds the scorer's outputs
 * for rowResponses() of every row, in order; `bestOfNTies` is the suite's rule for best-of-n ties.
 * Returns the outcomes and, for the scorer's own summary, the pairs with outputs.
 */
export function decideSubset(
  scorer: Scorer,
  entry: SubsetEntry,
  rows: readonly Row[],
  outputs: readonly ResponseOutputs[],
  bestOfNTies: BestOfNTies = 'shared',
): { outcomes: ItemOutcome[]; scored: ScoredPair[] } {
  const metric = metricOf(entry.metric);
  const outcomes: ItemOutcome[] = [];
  const scored: ScoredPair[] = [];
  let at = 0;
  const take = (count: number) => {
    const part = outputs.slice(at, at + count);
    at += count;
    return part;
  };
  for (const row of rows) {
    if (isSetRow(row)) {
      const chosen = take(row.chosen.length);
      const rejected = take(row.rejected.length);
      outcomes.push(itemOutcome(row, ...decide(scorer, entry, metric, `item ${pairKey(row)}`, chosen, rejected, bestOfNTies)));
      continue;
    }
    const [chosen, rejected] = take(2) as [ResponseOutputs, ResponseOutputs];
    const outcome = itemOutcome(row, ...decide(scorer, entry, metric, `pair ${pairKey(row)}`, [chosen], [rejected], bestOfNTies));
    if (row.tie) outcome.tie_label = true;
    else if (scorer.summarize) {
      scored.push({ subset: entry.name, section: entry.section, chosen, rejected });
      if (scorer.reportOutputs) {
        outcome.chosen_outputs = scorer.reportOutputs(chosen);
        outcome.rejected_outputs = scorer.reportOutputs(rejected);
      }
    }
    outcomes.push(outcome);
  }
  return { outcomes, scored };
}

/** One item's preference matrix (through the scorer's prefer()) and scores, checked, and its metric's decision. */
function decide(
  scorer: Scorer,
  entry: SubsetEntry,
  metric: Metric,
  what: string,
  chosen: readonly ResponseOutputs[],
  rejected: readonly ResponseOutputs[],
  bestOfNTies: BestOfNTies,
): [PreferenceItem, Decision] {
  const item = preferenceItem(chosen, rejected, (a, b) => scorer.prefer(a, b), (o) => o.score ?? null);
  checkFinite(scorer, what, [...chosen, ...rejected], item.matrix.flat());
  if (metric.needsScores && [...item.chosenScores, ...item.rejectedScores].includes(null)) {
    throw new UserError(`subset ${entry.name}: the ${metric.kind} metric needs a per-response score; scorer kind ${scorer.info.kind} has none`);
  }
  return [item, metric.decide(item, bestOfNTies)];
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
