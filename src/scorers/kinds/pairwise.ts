/**
 * @file Pairwise preference models (issue 14; the RLHF Workflow paper's pairwise preference model,
 * PairRM): one graph reads the prompt and two responses in one text (rmbench.pair_template, see
 * backends/graph-text.ts) and outputs f(A, B), the logit that response A is better (rmbench.output,
 * column rmbench.score_index). Position bias is cancelled by judging both orders: the probability
 * that the chosen response c is better than the rejected r is
 *   P = mean(sigmoid(f(c, r)), 1 - sigmoid(f(r, c))),
 * and prefer = P - 0.5: right iff P > 0.5, a tie (wrong) at exactly 0.5.
 *
 * Its summary: order consistency (the share of pairs whose two orders name the same winner: f(c, r)
 * and f(r, c) of opposite signs, or both 0), the position-A rate (the share of single-order
 * judgements whose winner is the response shown first, f > 0) and the mean P, overall and per
 * section. The scores file keeps each order's logit (chosen_outputs: c shown first, rejected_outputs:
 * r shown first), so merge rebuilds it. Best-of-N sets: the chosen response against each rejected
 * one, both orders each (the seam's pair path); the set's metric reads that row of preferences.
 */
import { UserError } from '../../errors.js';
import { outputNames } from '../model-folder.js';
import { percent, sigmoid } from '../summary.js';
import type { Kind, ResponseOutputs, ScoredPair, ScorerReport, SummaryAccumulator } from '../types.js';

/** One order's output: f(A, B), the logit that the response shown first is better. */
export interface PairwiseOutputs extends ResponseOutputs {
  logit: number;
}

/**
 * P(A better) - 0.5 from both orders (ab: A shown first, ba: B shown first). Written as
 * (sigmoid(f(A, B)) - sigmoid(f(B, A))) / 2, which is mean(sigmoid(f(A, B)), 1 - sigmoid(f(B, A))) - 0.5
 * without the rounding that adding 1 brings: zero exactly when the two probabilities are equal.
 */
export function pairPreference(ab: PairwiseOutputs, ba: PairwiseOutputs | undefined): number {
  if (ba === undefined) throw new UserError('the pairwise kind judges both orders of every pair');
  return (sigmoid(ab.logit) - sigmoid(ba.logit)) / 2;
}

interface Counts {
  pairs: number;
  consistent: number;
  /** Single-order judgements won by the response shown first (two per pair). */
  firstWins: number;
  probability: number;
}

const emptyCounts = (): Counts => ({ pairs: 0, consistent: 0, firstWins: 0, probability: 0 });

/** The pairwise report, streamed pair by pair (chosen: the order with the chosen response first). */
export class PairwiseSummary implements SummaryAccumulator<PairwiseOutputs> {
  private readonly total = emptyCounts();
  private readonly sections = new Map<string, Counts>();

  add({ section, chosen: ab, rejected: ba }: ScoredPair<PairwiseOutputs>): void {
    let s = this.sections.get(section);
    if (!s) this.sections.set(section, (s = emptyCounts()));
    for (const counts of [this.total, s]) {
      counts.pairs++;
      if (Math.sign(ab.logit) === -Math.sign(ba.logit)) counts.consistent++;
      counts.firstWins += (ab.logit > 0 ? 1 : 0) + (ba.logit > 0 ? 1 : 0);
      counts.probability += 0.5 + pairPreference(ab, ba);
    }
  }

  finish(): ScorerReport {
    const figures = (c: Counts) => ({
      pairs: c.pairs,
      order_consistency: c.pairs ? c.consistent / c.pairs : null,
      position_a_rate: c.pairs ? c.firstWins / (2 * c.pairs) : null,
      mean_probability: c.pairs ? c.probability / c.pairs : null,
    });
    const json = { kind: 'pairwise', orders: 2, ...figures(this.total), by_section: Object.fromEntries([...this.sections].map(([name, c]) => [name, figures(c)])) };
    return { json, text: pairwiseReportLines(json) };
  }
}

const share = (x: unknown) => (typeof x === 'number' ? percent(x) : 'n/a');

/** The terminal and HTML lines of a pairwise report (from its JSON, so a saved run renders the same). */
function pairwiseReportLines(report: Record<string, unknown>): string[] {
  const json = report as { pairs: number; order_consistency: number | null; position_a_rate: number | null; mean_probability: number | null; by_section: Record<string, { order_consistency: number | null }> };
  const bySection = Object.entries(json.by_section)
    .map(([name, s]) => `${name} ${share(s.order_consistency)}`)
    .join(', ');
  return [
    `pairwise (both orders): order consistency ${share(json.order_consistency)} of ${json.pairs} pairs${bySection ? ` (${bySection})` : ''}`,
    `pairwise: position A wins ${share(json.position_a_rate)} of single-order judgements; mean P(chosen better) ${share(json.mean_probability)}`,
  ];
}

export const pairwise: Kind<PairwiseOutputs> = {
  name: 'pairwise',
  description: 'a pairwise preference model: one text with the prompt and both responses, the logit that A is better; both orders',
  oneVectorPerText: false,
  outputsField: 'rmbench.output',
  rewardBenchType: () => 'Custom Classifier',
  reportLines: pairwiseReportLines,
  outputs: (block) => ({ required: { logit: outputNames(block).logit! }, hint: 'set rmbench.output in config.json' }),
  open({ block, backend }) {
    const index = block.score_index;
    const output = backend.outputName(outputNames(block).logit!);
    return {
      unit: 'pair',
      orders: 2,
      config: { output, score_index: index, pair_orders: 2 },
      read(row) {
        const values = row[output]!;
        if (index >= values.length) throw new UserError(`${backend.where}: output "${output}" has ${values.length} value(s) per pair; rmbench.score_index is ${index}`);
        return { logit: values[index]! };
      },
      prefer: pairPreference,
      summary: () => new PairwiseSummary(),
      saveOutputs: (o) => ({ logit: [o.logit] }),
    };
  },
  restorer: () => ({
    accumulator: new PairwiseSummary(),
    restore(saved) {
      const logit = saved.logit?.[0];
      if (typeof logit !== 'number') throw new UserError(`a pairwise pair's stored outputs have no logit (got ${JSON.stringify(saved)})`);
      return { logit };
    },
  }),
};
