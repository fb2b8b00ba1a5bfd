/**
 * @file LLM judges (issue 14), over the chat backend (backends/openai.ts). Pairwise mode is a pair
 * kind: the judge reads the prompt and two responses in one request, in both orders or one
 * seeded order, and prefer(ab, ba) is JudgeBench's sum of +1 (the chosen response named), -1 (the
 * rejected one named) and 0 (a tie or an invalid answer) over the orders judged
 * (src/judge/combine.ts): the pair is right iff the sum is > 0. Rating mode is a response kind:
 * the judge rates each response once, score = rating; a pair with an invalid rating is a tie,
 * and so are equal ratings (both count as wrong).
 *
 * Best-of-N sets (rmb-bon, RewardBench 2): rating mode rates each response once and compares the
 * ratings; pairwise mode judges the chosen response against each rejected one (the seam's pair
 * path), and the set's metric reads that row of preferences.
 *
 * Its summary is the JudgeAccumulator's counts: `results.judge` (a top-level key), and per subset
 * in scorer_report.by_subset. Each order's answer is stored in the scores file (chosen_outputs:
 * the order with the chosen response first, rejected_outputs: the other), so merge rebuilds them.
 */
import { UserError } from '../../errors.js';
import { answerScore, JudgeAccumulator, type AnswerUsage, type JudgedPair, type PairwiseAnswer, type Position, type RatingAnswer, type TokenPrices } from '../../judge/combine.js';
import type { JudgeMode } from '../../judge/prompts.js';
import { JUDGE_OUTPUTS, VERDICT_CODE, verdictOfCode, type PairVerdict } from '../../judge/verdict.js';
import type { RmbenchBlock } from '../model-folder.js';
import { percent } from '../summary.js';
import type { Kind, OutputRow, ResponseOutputs, SavedOutputs, ScoredPair, ScorerReport, SummaryAccumulator } from '../types.js';

/** One answer of the judge; `{}` stands for an order that was not judged (one-order mode). */
export interface JudgeOutputs extends ResponseOutputs, Partial<AnswerUsage> {
  /** Pairwise: the verdict, null when the answer has none. */
  verdict?: PairVerdict | null;
  /** Rating: the rating, null when the answer has none (then there is no score). */
  rating?: number | null;
}

interface JudgeSettings {
  mode: JudgeMode;
  /** Pairwise: orders judged per pair. */
  orders: 1 | 2;
  prices: TokenPrices | null;
}

function settingsOf(block: Pick<RmbenchBlock, 'judge_mode' | 'judge_orders' | 'price_in' | 'price_out'>): JudgeSettings {
  const prices = block.price_in === undefined && block.price_out === undefined ? null : { inPerMillion: block.price_in ?? 0, outPerMillion: block.price_out ?? 0 };
  return { mode: block.judge_mode ?? 'pairwise', orders: block.judge_orders ?? 2, prices };
}

const isAnswer = (o: JudgeOutputs): o is JudgeOutputs & AnswerUsage => o.promptTokens !== undefined;
const usage = (o: AnswerUsage): AnswerUsage => ({ promptTokens: o.promptTokens, completionTokens: o.completionTokens });

/** The judged pair of a decided pair's outputs: `chosen` holds the order with the chosen response first (A), `rejected` the other. */
function judgedPair(mode: JudgeMode, chosen: JudgeOutputs, rejected: JudgeOutputs): JudgedPair {
  if (mode === 'rating') {
    const rating = (o: JudgeOutputs): RatingAnswer => ({ rating: o.rating ?? null, ...usage(o as AnswerUsage) });
    return { mode, chosen: rating(chosen), rejected: rating(rejected) };
  }
  const orders: [JudgeOutputs, Position][] = [
    [chosen, 'A'],
    [rejected, 'B'],
  ];
  const answers = orders.filter(([o]) => isAnswer(o)).map(([o, chosenAt]): PairwiseAnswer => ({ chosenAt, verdict: o.verdict ?? null, ...usage(o as AnswerUsage) }));
  return { mode, answers };
}

/** results.judge and the per-subset counts, streamed pair by pair. */
export class JudgeKindSummary implements SummaryAccumulator<JudgeOutputs> {
  private readonly subsets = new Map<string, JudgeAccumulator>();

  constructor(private readonly settings: JudgeSettings) {}

  add({ subset, chosen, rejected }: ScoredPair<JudgeOutputs>): void {
    let s = this.subsets.get(subset);
    if (!s) this.subsets.set(subset, (s = JudgeAccumulator.empty()));
    s.add(judgedPair(this.settings.mode, chosen, rejected));
  }

  finish(): ScorerReport {
    const { mode, orders, prices } = this.settings;
    const total = [...this.subsets.values()].reduce((sum, s) => sum.merge(s), JudgeAccumulator.empty());
    const judge = total.finish(prices ?? undefined);
    const bySubset = Object.fromEntries(
      [...this.subsets].map(([name, s]) => {
        const { requests, invalid, ties, inconsistent } = s.finish();
        return [name, { requests, invalid, ties, inconsistent }];
      }),
    );
    const json = { kind: 'judge', mode, ...(mode === 'pairwise' ? { orders } : {}), price_in: prices?.inPerMillion ?? null, price_out: prices?.outPerMillion ?? null, by_subset: bySubset };
    const invalidBySubset = Object.entries(bySubset)
      .filter(([, s]) => s.invalid > 0)
      .map(([name, s]) => `${name} ${s.invalid}`);
    const how = mode === 'rating' ? 'rating' : `pairwise, ${orders === 2 ? 'both orders' : 'one seeded order'}`;
    const text = [
      `judge (${how}): ${judge.requests} answers, ${judge.invalid} invalid${invalidBySubset.length ? ` (${invalidBySubset.join(', ')})` : ''}, ${judge.ties} ties` +
        (mode === 'pairwise' ? `, ${judge.inconsistent} inconsistent pairs, position A rate ${judge.position_a_rate === null ? 'n/a' : percent(judge.position_a_rate)}` : ''),
      `judge tokens: ${judge.prompt_tokens} prompt + ${judge.completion_tokens} completion; cost ${judge.cost_usd === null ? 'n/a (no --price-in/--price-out)' : `$${judge.cost_usd.toFixed(4)}`}`,
    ];
    return { json, text, results: { judge } };
  }
}

/** One answer's outputs as the scores file stores them (an order not judged: {}). */
function saveAnswer(o: JudgeOutputs): SavedOutputs {
  if (!isAnswer(o)) return {};
  const valid = o.verdict !== undefined ? o.verdict !== null : o.rating !== null && o.rating !== undefined;
  const value: SavedOutputs = o.verdict !== undefined ? { verdict: [o.verdict === null ? 0 : VERDICT_CODE[o.verdict]] } : { rating: [o.rating ?? 0] };
  return { ...value, valid: [valid ? 1 : 0], prompt_tokens: [o.promptTokens], completion_tokens: [o.completionTokens] };
}

/** The outputs of one answer's raw row (or of a saved one); `valid` other than 1 (0, or NaN in a dry run) is invalid. */
function readAnswer(mode: JudgeMode, row: Record<string, ArrayLike<number> | undefined>): JudgeOutputs {
  if (row.valid === undefined) return {};
  const valid = row.valid[0] === 1;
  const answer = { promptTokens: row.prompt_tokens![0]!, completionTokens: row.completion_tokens![0]! };
  if (mode === 'pairwise') return { verdict: valid ? verdictOfCode(row.verdict![0]!) : null, ...answer };
  const rating = valid ? row.rating![0]! : null;
  return { rating, ...(rating === null ? {} : { score: rating }), ...answer };
}

/** Rating mode: a over b by their ratings; an invalid rating on either side is a tie. */
const preferRating = (a: JudgeOutputs, b: JudgeOutputs): number => (a.score === undefined || b.score === undefined ? 0 : a.score - b.score);

/** Pairwise mode: JudgeBench's sum over the orders judged (ab: A shown first, ba: B shown first). */
const preferPair = (ab: JudgeOutputs, ba: JudgeOutputs | undefined): number =>
  answerScore({ chosenAt: 'A', verdict: ab.verdict ?? null }) + (ba === undefined ? 0 : answerScore({ chosenAt: 'B', verdict: ba.verdict ?? null }));

export const judge: Kind<JudgeOutputs> = {
  name: 'judge',
  description: 'an LLM judge over an OpenAI-compatible chat API: pairwise verdicts ([[A]]/[[B]]/[[C]]) or ratings ([[N]])',
  oneVectorPerText: false,
  outputsField: '--judge',
  rewardBenchType: () => 'Generative RM',
  outputs(block) {
    const required = Object.fromEntries(JUDGE_OUTPUTS[settingsOf(block).mode].map((name) => [name, name]));
    return { required, hint: 'a judge runs over an OpenAI-compatible chat server: openai+http://HOST:PORT/MODEL' };
  },
  open({ block }) {
    const settings = settingsOf(block);
    const { mode, orders, prices } = settings;
    const common = {
      config: { judge_mode: mode, ...(mode === 'pairwise' ? { judge_orders: orders } : {}), price_in: prices?.inPerMillion ?? null, price_out: prices?.outPerMillion ?? null },
      read: (row: OutputRow) => readAnswer(mode, row),
      summary: () => new JudgeKindSummary(settings),
      saveOutputs: saveAnswer,
    };
    return mode === 'pairwise' ? { ...common, unit: 'pair', orders, prefer: preferPair } : { ...common, unit: 'response', prefer: preferRating };
  },
  restorer(reports) {
    const first = reports[0]!;
    const mode = first.mode as JudgeMode;
    if (mode !== 'pairwise' && mode !== 'rating') throw new UserError(`scorer_report.mode is ${JSON.stringify(first.mode)}; expected "pairwise" or "rating"`);
    const price = (v: unknown) => (typeof v === 'number' ? v : undefined);
    const settings = settingsOf({ judge_mode: mode, judge_orders: first.orders === 1 ? 1 : 2, price_in: price(first.price_in), price_out: price(first.price_out) });
    return { accumulator: new JudgeKindSummary(settings), restore: (saved) => readAnswer(mode, saved) };
  },
};
