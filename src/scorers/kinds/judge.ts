/**
 * @file LLM judges (issue 14), over the chat backend (backends/openai.ts). Pairwise mode is a pair
 * kind: the judge reads the prompt and two responses in one request, in both orders or one
 * seeded order, and prefer(ab, ba) is JudgeBench's sum of +1 (the chosen response named), -1 (the
 * rejected one named) and 0 (a tie or an invalid answer) over the orders judged
 * (src/judge/combine.ts): the pair is right iff the sum is > 0. Rating mode is a response kind:
 * the judge rates each response once, score = rating; equal ratings are a tie (wrong on a pair).
 * An item whose decision reads an invalid answer is wrong (isInvalid -> ScoredItem.invalid): a
 * rating item with an unrated response, a pair whose order sum is 0 with an invalid answer.
 *
 * Best-of-N sets (rmb-bon, RewardBench 2): rating mode rates each response once and compares the
 * ratings; pairwise mode judges the chosen response against each rejected one (the seam's pair
 * path), and the set's metric reads that row of preferences.
 *
 * Its summary: the JudgeAccumulator's answer counts per subset (the pairs of sets included; a
 * rated set's responses once each, addSet) and the run's distinct requests with their tokens,
 * as `results.judge` (a top-level key) and scorer_report (totals, by_subset). Every answer is
 * stored in the scores file (a pair's chosen_outputs: the order with the chosen response first,
 * rejected_outputs: the other; a set's pair_outputs or per-response outputs), so merge rebuilds it.
 */
import { UserError } from '../../errors.js';
import { addRequest, answerScore, JudgeAccumulator, zeroTotals, type AnswerUsage, type JudgedPair, type PairwiseAnswer, type Position, type RatingAnswer, type RequestTotals, type TokenPrices } from '../../judge/combine.js';
import type { JudgeMode } from '../../judge/prompts.js';
import { JUDGE_OUTPUTS, VERDICT_CODE, verdictOfCode, type PairVerdict } from '../../judge/verdict.js';
import type { RmbenchBlock } from '../model-folder.js';
import { percent } from '../summary.js';
import type { JudgeResults } from '../../report/schema.js';
import type { Kind, OutputRow, ResponseOutputs, SavedOutputs, ScoredPair, ScoredSet, ScorerReport, SummaryAccumulator } from '../types.js';

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

const count = (v: unknown, field: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new UserError(`scorer_report.totals.${field} is ${JSON.stringify(v)}; expected a count (shards written by an older rmbench cannot be merged)`);
  return v;
};

/** results.judge and the per-subset counts, streamed pair by pair (and, in rating mode, set by set). */
export class JudgeKindSummary implements SummaryAccumulator<JudgeOutputs> {
  private readonly subsets = new Map<string, JudgeAccumulator>();
  /** Answers already in the totals: the runner hands one outputs object per distinct request (rememberOutputs, and read()'s memo). */
  private readonly seen = new WeakSet<JudgeOutputs>();
  private readonly totals = zeroTotals();

  /** `shardTotals`: a merge's sum of its shards' distinct requests, used in place of counting them here. */
  constructor(
    private readonly settings: JudgeSettings,
    private readonly shardTotals?: RequestTotals,
  ) {}

  private subset(name: string): JudgeAccumulator {
    let s = this.subsets.get(name);
    if (!s) this.subsets.set(name, (s = JudgeAccumulator.empty()));
    return s;
  }

  private request(outputs: readonly JudgeOutputs[]): void {
    for (const o of outputs) {
      if (!isAnswer(o) || this.seen.has(o)) continue;
      this.seen.add(o);
      addRequest(this.totals, o);
    }
  }

  add({ subset, chosen, rejected }: ScoredPair<JudgeOutputs>): void {
    this.subset(subset).add(judgedPair(this.settings.mode, chosen, rejected));
    this.request([chosen, rejected]);
  }

  /** Rating mode: a set's responses, each rated once. */
  addSet({ subset, chosen, rejected }: ScoredSet<JudgeOutputs>): void {
    const rating = (o: JudgeOutputs) => ({ rating: o.rating ?? null });
    this.subset(subset).addRatings(chosen.map(rating), rejected.map(rating));
    this.request([...chosen, ...rejected]);
  }

  finish(): ScorerReport {
    const { mode, orders, prices } = this.settings;
    const total = [...this.subsets.values()].reduce((sum, s) => sum.merge(s), JudgeAccumulator.empty());
    const judge = total.finish(this.shardTotals ?? this.totals, prices ?? undefined);
    const bySubset = Object.fromEntries([...this.subsets].map(([name, s]) => [name, { answers: s.counts.answers, invalid: s.counts.invalid, ties: s.counts.ties, inconsistent: s.counts.inconsistent }]));
    const json = {
      kind: 'judge',
      mode,
      ...(mode === 'pairwise' ? { orders } : {}),
      price_in: prices?.inPerMillion ?? null,
      price_out: prices?.outPerMillion ?? null,
      totals: { ...judge, answers: total.counts.answers },
      by_subset: bySubset,
    };
    return { json, text: judgeReportLines(json), results: { judge } };
  }
}

/** The lines of a judge's scorer_report, under the table and in the HTML report. */
export function judgeReportLines(report: Record<string, unknown>): string[] {
  const mode = report.mode as JudgeMode;
  const totals = (report.totals ?? {}) as Partial<JudgeResults & { answers: number }>;
  const bySubset = (report.by_subset ?? {}) as Record<string, { invalid?: number }>;
  const invalidBySubset = Object.entries(bySubset)
    .filter(([, s]) => (s.invalid ?? 0) > 0)
    .map(([name, s]) => `${name} ${s.invalid}`);
  const how = mode === 'rating' ? 'rating' : `pairwise, ${report.orders === 1 ? 'one seeded order' : 'both orders'}`;
  const rate = totals.position_a_rate;
  const cost = totals.cost_usd;
  return [
    `judge (${how}): ${totals.requests} requests, ${totals.answers} answers used, ${totals.invalid} invalid${invalidBySubset.length ? ` (${invalidBySubset.join(', ')})` : ''}, ${totals.ties} ties` +
      (mode === 'pairwise' ? `, ${totals.inconsistent} inconsistent pairs, position A rate ${typeof rate === 'number' ? percent(rate) : 'n/a'}` : ''),
    `judge tokens: ${totals.prompt_tokens} prompt + ${totals.completion_tokens} completion; cost ${typeof cost === 'number' ? `$${cost.toFixed(4)}` : 'n/a (no --price-in/--price-out)'}`,
  ];
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
  reportLines: judgeReportLines,
  open({ block }) {
    const settings = settingsOf(block);
    const { mode, orders, prices } = settings;
    // One outputs object per raw row: the runner hands one row per distinct request, so the summary counts each request once.
    const read = new WeakMap<OutputRow, JudgeOutputs>();
    const common = {
      config: { judge_mode: mode, ...(mode === 'pairwise' ? { judge_orders: orders } : {}), price_in: prices?.inPerMillion ?? null, price_out: prices?.outPerMillion ?? null },
      read: (row: OutputRow) => read.get(row) ?? read.set(row, readAnswer(mode, row)).get(row)!,
      summary: () => new JudgeKindSummary(settings),
      saveOutputs: saveAnswer,
      summarisesSets: true as const,
      tiesWrong: true as const,
      isInvalid: (o: JudgeOutputs) => isAnswer(o) && (mode === 'pairwise' ? !o.verdict : o.rating === null),
    };
    return mode === 'pairwise' ? { ...common, unit: 'pair', orders, prefer: preferPair } : { ...common, unit: 'response', prefer: preferRating };
  },
  restorer(reports) {
    const first = reports[0]!;
    const mode = first.mode as JudgeMode;
    if (mode !== 'pairwise' && mode !== 'rating') throw new UserError(`scorer_report.mode is ${JSON.stringify(first.mode)}; expected "pairwise" or "rating"`);
    const price = (v: unknown) => (typeof v === 'number' ? v : undefined);
    const settings = settingsOf({ judge_mode: mode, judge_orders: first.orders === 1 ? 1 : 2, price_in: price(first.price_in), price_out: price(first.price_out) });
    // Distinct requests are counted per shard (a request two shards share was sent by both).
    const shardTotals = zeroTotals();
    for (const report of reports) {
      const totals = (report.totals ?? {}) as Record<string, unknown>;
      shardTotals.requests += count(totals.requests, 'requests');
      shardTotals.promptTokens += count(totals.prompt_tokens, 'prompt_tokens');
      shardTotals.completionTokens += count(totals.completion_tokens, 'completion_tokens');
    }
    return { accumulator: new JudgeKindSummary(settings, shardTotals), restore: (saved) => readAnswer(mode, saved) };
  },
};
