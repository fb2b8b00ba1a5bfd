/**
 * The metric registry (src/metrics): one entry per metric kind, each deciding items from its
 * preference matrix and scores, accumulating its subset figures and declaring how reports, the
 * gate, the audit and reward-bench's files treat it. Expected values are worked out by hand in the
 * comments; the run's decideSubset + SubsetAccumulator are checked to hand the items to the entries.
 */
import { describe, expect, it } from 'vitest';
import { SubsetAccumulator, decideSubset } from '../src/bench/evaluate.js';
import { hasTie, invalidDecision, itemOutcome, preferenceItem } from '../src/metrics/item.js';
import { ties } from '../src/metrics/rb2-ties.js';
import { DEFAULT_METRIC, METRICS, metricOf, notMeanOfItems, tieWords } from '../src/metrics/registry.js';
import type { PreferenceItem } from '../src/metrics/types.js';
import { emptyStats, type ResponseOutputs, type ScoredItem, type Scorer } from '../src/scorers/types.js';
import type { SubsetEntry } from '../src/subsets/manifest.js';
import { METRIC_KINDS, rowItem, type PairRow, type Row, type SetRow } from '../src/subsets/types.js';

/** Bradley-Terry-like: preferences are score differences. */
const item = (chosen: number[], rejected: number[]): PreferenceItem => preferenceItem(chosen, rejected, (a, b) => a - b, (s) => s);

describe('the registry', () => {
  it('has one entry per metric kind of the schema, under its own name; pairwise is the default', () => {
    expect(Object.keys(METRICS).sort()).toEqual([...METRIC_KINDS].sort());
    for (const kind of METRIC_KINDS) expect(metricOf(kind).kind).toBe(kind);
    expect(DEFAULT_METRIC).toBe('pairwise');
  });

  it('declares row shapes, what imports can give, what decisions need and whether the score is a mean of items', () => {
    const table = METRIC_KINDS.map((k) => {
      const m = metricOf(k);
      return [k, m.rows, m.fromRatings, m.needsScores, m.readsBestOfNTies, m.scoreIsItemMean, m.rewardBench.version];
    });
    expect(table).toEqual([
      ['pairwise', 'pairs', true, false, false, true, 'v1'],
      ['best-of-n', 'sets', true, false, true, true, 'v2'],
      ['style-matrix', 'sets', false, false, false, true, null],
      ['rb2-ties', 'sets', false, true, false, false, 'v2'],
    ]);
  });
});

describe('decisions from the preference matrix and scores', () => {
  it('pairwise: 1 only for a strict win; a tie is wrong and flagged', () => {
    const decide = (c: number, r: number) => metricOf('pairwise').decide(item([c], [r]));
    expect([decide(2, 1), decide(1, 1), decide(0, 1)]).toEqual([
      { value: 1, tie: false },
      { value: 0, tie: true },
      { value: 0, tie: false },
    ]);
  });

  it("best-of-n: 1/(1+k) with k rejected tied at the top under 'shared', 0 under 'wrong'", () => {
    const bon = metricOf('best-of-n');
    // chosen 3 against 3, 1, 2: one rejected ties it at the top -> 1/2.
    expect(bon.decide(item([3], [3, 1, 2]))).toEqual({ value: 0.5, tie: true });
    expect(bon.decide(item([3], [3, 1, 2]), 'wrong')).toEqual({ value: 0, tie: true });
    // undefined rule: RewardBench 2's shared credit.
    expect(bon.decide(item([3], [3, 3, 1]), undefined).value).toBe(1 / 3);
    expect(bon.decide(item([3], [4, 3, 1]))).toEqual({ value: 0, tie: true });
    expect(bon.decide(item([3], [2, 1]))).toEqual({ value: 1, tie: false });
  });

  it('style-matrix: hard (upper triangle), normal (diagonal), easy (lower triangle) from the matrix', () => {
    // chosen [5, 3, 1] vs rejected [4, 2, 0]: matrix signs
    //   [+ + +]      upper (hard): c0>r1, c0>r2, c1>r2 -> 3/3
    //   [- + +]      diagonal (normal): 3/3
    //   [- - +]      lower (easy): c1>r0 no, c2>r0 no, c2>r1 no -> 0/3
    const d = metricOf('style-matrix').decide(item([5, 3, 1], [4, 2, 0]));
    expect(d).toEqual({ value: 2 / 3, tie: false, details: { hard: 1, normal: 1, easy: 0 } });
    // chosen [2, 1] vs rejected [1, 0]: c0 beats r1 (hard 1/1), both diagonal wins (normal 2/2),
    // c1 = r0 (easy): the tied comparison counts as a loss and flags the item.
    const t = metricOf('style-matrix').decide(item([2, 1], [1, 0]));
    expect(t).toEqual({ value: (1 + 1 + 0) / 3, tie: true, details: { hard: 1, normal: 1, easy: 0 } });
  });

  it('rb2-ties: accurate when the worst correct beats the best incorrect, from the scores; needs them', () => {
    const ties = metricOf('rb2-ties');
    expect(ties.decide(item([5, 4], [3, 1]))).toEqual({ value: 1, tie: false });
    expect(ties.decide(item([5, 3], [3, 1]))).toEqual({ value: 0, tie: true });
    expect(ties.decide(item([5, 2], [3]))).toEqual({ value: 0, tie: false });
    const noScores = preferenceItem([5, 4], [3], (a, b) => a - b, () => null);
    expect(() => ties.decide(noScores)).toThrow(/per-response scores/);
  });

  it('an item that reads an invalid judge answer: value 0 and every part 0 under every metric, whatever the tie rule', () => {
    // Best-of-n with a 0 that 'shared' would credit 1/2; style-matrix with parts; rb2-ties with a missing score.
    expect(invalidDecision(metricOf('best-of-n'), item([2], [1, 2]), 'shared')).toEqual({ value: 0, tie: false });
    expect(invalidDecision(metricOf('style-matrix'), item([5, 3, 1], [4, 2, 0]))).toEqual({ value: 0, tie: false, details: { hard: 0, normal: 0, easy: 0 } });
    expect(invalidDecision(metricOf('rb2-ties'), preferenceItem([5, 4], [3], (a, b) => a - b, (s) => (s === 4 ? null : s)))).toEqual({ value: 0, tie: false });
    expect(invalidDecision(metricOf('pairwise'), item([1], [1]))).toEqual({ value: 0, tie: false });
  });

  it('hasTie looks at every preference of the matrix', () => {
    expect(hasTie(item([1, 2], [0, 3]))).toBe(false);
    expect(hasTie(item([1, 2], [0, 2]))).toBe(true);
  });
});

describe('outcomes as the scores file records them', () => {
  it('a pair: its scores, correctness and margin, in the scores file field order', () => {
    const row: PairRow = { id: '7', subset: 's', prompt: 'q', chosen: 'a', rejected: 'b' };
    const i = item([1.5], [2]);
    expect(JSON.stringify(itemOutcome(row, i, metricOf('pairwise').decide(i)))).toBe(
      '{"key":"s/7","subset":"s","id":"7","chosen_score":1.5,"rejected_score":2,"correct":false,"margin":-0.5}',
    );
  });

  it('a set: its scores, value, parts and tie flag, in the scores file field order', () => {
    const row: SetRow = { id: '1', subset: 'rm', prompt: 'q', chosen: ['a', 'b'], rejected: ['c', 'd'] };
    const i = item([2, 1], [1, 0]);
    expect(JSON.stringify(itemOutcome(row, i, metricOf('style-matrix').decide(i)))).toBe(
      '{"key":"rm/1","subset":"rm","id":"1","chosen_scores":[2,1],"rejected_scores":[1,0],"value":0.6666666666666666,"details":{"hard":1,"normal":1,"easy":0},"tie":true}',
    );
  });
});

describe('per-subset accumulation', () => {
  const setOutcome = (kind: 'style-matrix' | 'rb2-ties', id: string, chosen: number[], rejected: number[]) => {
    const row: SetRow = { id, subset: 's', prompt: 'q', chosen: chosen.map(String), rejected: rejected.map(String) };
    const i = item(chosen, rejected);
    return itemOutcome(row, i, metricOf(kind).decide(i));
  };

  it('style-matrix: the subset parts are the means of the items parts', () => {
    const acc = metricOf('style-matrix').accumulator();
    acc.add(setOutcome('style-matrix', '1', [5, 3, 1], [4, 2, 0])); // hard 1, normal 1, easy 0
    acc.add(setOutcome('style-matrix', '2', [0, 0, 0], [1, 1, 1])); // all 0
    expect(acc.finish(2)).toEqual({ details: { hard: 0.5, normal: 0.5, easy: 0 } });
  });

  it('pairwise and best-of-n: the score is the mean of item values, nothing else', () => {
    for (const kind of ['pairwise', 'best-of-n'] as const) expect(metricOf(kind).accumulator().finish(3)).toEqual({});
  });

  it('rb2-ties: the Ties formula over the groups, and a bootstrap over prompts', () => {
    const acc = metricOf('rb2-ties').accumulator();
    const groups = [
      { type: 'ref' as const, promptId: '1', correct: [5], incorrect: [3, 1] },
      { type: 'tied' as const, promptId: '1', correct: [5, 4], incorrect: [3] },
      { type: 'ref' as const, promptId: '2', correct: [1], incorrect: [2] },
      { type: 'tied' as const, promptId: '2', correct: [6, 2], incorrect: [0] },
    ];
    for (const g of groups) acc.add(setOutcome('rb2-ties', `${g.type}:${g.promptId}`, [...g.correct], [...g.incorrect]));
    const figures = acc.finish(4);
    const { score, ...terms } = ties(groups);
    // test/metrics.test.ts works this case by hand: ref accuracy 1/2, tied accuracy 1.
    expect(terms).toMatchObject({ ref_accuracy: 0.5, tied_accuracy: 1 });
    expect(figures.accuracy).toBe(score);
    expect(figures.details).toEqual(terms);
    // The unit is the prompt: 2 units; drawing each once is the formula itself.
    expect(figures.statistic!.units).toBe(2);
    expect(figures.statistic!.compute([0, 1])).toBe(score);
    // Prompt 2 drawn twice counts twice: ref accuracy 0, tied accuracy 1, margins of prompt 2 only.
    expect(figures.statistic!.compute([1, 1])).toBe(ties([groups[2]!, groups[3]!]).score);
  });

  it('rb2-ties: a group with a missing score (an invalid judge answer) is not accurate and its prompt scores 0 in the margin terms', () => {
    const acc = metricOf('rb2-ties').accumulator();
    acc.add(setOutcome('rb2-ties', 'ref:1', [5], [3, 1]));
    acc.add(setOutcome('rb2-ties', 'tied:1', [5, 4], [3]));
    // ref:2's incorrect answer has no score (an invalid rating): decided as invalid items are.
    const unrated = preferenceItem([9], [0], (a, b) => a - b, (s) => (s === 0 ? null : s));
    acc.add(itemOutcome({ id: 'ref:2', subset: 's', prompt: 'q', chosen: ['9'], rejected: ['?'] }, unrated, invalidDecision(metricOf('rb2-ties'), unrated)));
    acc.add(setOutcome('rb2-ties', 'tied:2', [6, 2], [0]));
    // ref: prompt 1 accurate, prompt 2 not: 1/2; tied: both accurate (4 > 3, 2 > 0). Prompt 1: m_tied 1, d 1, not
    // preferred (1 > 1 no), hard min(2, 1) = 1 not > 1, margin tanh(1/1 - 1) = 0; prompt 2: 0, 0, 0.
    expect(acc.finish(4).details).toEqual({ ref_accuracy: 0.5, tied_accuracy: 1, correctness_preferred: 0, correctness_preferred_hard: 0, margin_score: 0 });
    // The same through ties(): prompt 2 alone, its ref group invalid.
    expect(ties([{ type: 'ref', promptId: '2', correct: [9], incorrect: [], invalid: true }, { type: 'tied', promptId: '2', correct: [6, 2], incorrect: [0] }])).toEqual({
      score: 0.3 * 1 + 0.3 * 0,
      ref_accuracy: 0,
      tied_accuracy: 1,
      correctness_preferred: 0,
      correctness_preferred_hard: 0,
      margin_score: 0,
    });
  });
});

describe('what reports and checks say', () => {
  it('chance level of a random scorer per item', () => {
    const chance = (kind: (typeof METRIC_KINDS)[number], chosen: number, rejected: number) => metricOf(kind).chance({ chosen, rejected });
    expect([chance('pairwise', 1, 1), chance('best-of-n', 1, 3), chance('style-matrix', 3, 3), chance('rb2-ties', 2, 2)]).toEqual([0.5, 0.25, 0.5, null]);
  });

  it('table labels, tie rules and tie counts in words', () => {
    expect(metricOf('best-of-n').label('wrong')).toBe('best-of-N accuracy (1 only when the chosen beats every rejected; a tie is wrong)');
    expect(metricOf('best-of-n').label('shared')).toBe('best-of-N accuracy (1/#maxima when the chosen is among them)');
    expect(tieWords('pairwise', 2)).toBe('2 ties (counted wrong)');
    expect(tieWords('best-of-n', 1)).toBe('1 tied item (credit shared: 1/(1+k) with k rejected tied at the top)');
    expect(tieWords('best-of-n', 3, 'wrong')).toBe('3 tied items (counted wrong)');
    expect(tieWords('style-matrix', 1)).toBe('1 item with a tied comparison (the tied comparison counts as a loss)');
    expect(tieWords('rb2-ties', 2)).toBe('2 tied groups (the tied group is not accurate)');
  });

  it('names the subsets whose score is a formula, for the paired bootstrap to refuse', () => {
    expect(notMeanOfItems({ a: { metric: 'pairwise' }, b: { metric: 'best-of-n' }, c: { metric: 'style-matrix' } })).toBeNull();
    expect(notMeanOfItems({ Math: { metric: 'best-of-n' }, Ties: { metric: 'rb2-ties' } })).toBe('subset Ties uses the rb2-ties formula, which is not a mean over items');
  });

  it("rb2-ties in reward-bench's files: 1/#maxima when the first score is a maximum, else 0", () => {
    const formula = metricOf('rb2-ties').rewardBench.formulaResult!;
    expect([formula.of([5, 3, 1]), formula.of([5, 5, 1]), formula.of([3, 5])]).toEqual([1, 0.5, 0]);
    expect(formula.rule([5, 3])).toBe('1/#maxima when the first of its scores 5, 3 is a maximum, else 0');
    for (const kind of ['pairwise', 'best-of-n', 'style-matrix'] as const) expect(metricOf(kind).rewardBench.formulaResult).toBeUndefined();
  });

  it('set rows that do not fit: response counts and ids', () => {
    const row = (id: string, chosen: number, rejected: number): SetRow => ({ id, subset: 's', prompt: 'q', chosen: Array(chosen).fill('a'), rejected: Array(rejected).fill('b') });
    const problem = (kind: 'best-of-n' | 'style-matrix' | 'rb2-ties', r: SetRow) => {
      const m = metricOf(kind);
      return m.rows === 'sets' ? m.setRowProblem(r) : 'pairs';
    };
    expect(problem('best-of-n', row('1', 1, 3))).toBeNull();
    expect(problem('best-of-n', row('1', 2, 3))).toBe('best-of-n needs 1 chosen and at least 1 rejected, found 2 and 3');
    expect(problem('style-matrix', row('1', 3, 3))).toBeNull();
    expect(problem('style-matrix', row('1', 1, 1))).toBe('style-matrix needs as many chosen as rejected variants (>= 2), found 1 and 1');
    expect(problem('rb2-ties', row('tied:9', 2, 1))).toBeNull();
    expect(problem('rb2-ties', row('9', 2, 1))).toBe('rb2-ties ids are ref:<prompt id> or tied:<prompt id>, found "9"');
    expect(problem('rb2-ties', row('ref:9', 1, 0))).toBe('rb2-ties needs at least 1 correct (chosen) and 1 incorrect (rejected) answer');
  });
});

describe('the run hands each item to its metric', () => {
  const entry = (name: string, metric: SubsetEntry['metric']): SubsetEntry => ({ name, file: `${name}.arrow`, sha256: '0'.repeat(64), rows: 4, section: 'all', weight: 1, metric });
  const scorer = (kind: string): Scorer => ({
    info: { kind, model: 'fake', config: {} },
    stats: emptyStats(),
    scoreItems: () => Promise.reject(new Error('not used')),
    dispose: async () => {},
  });
  /**
   * The scored items of rows from their responses' scores, chosen first, as a scorer hands them to
   * the run: outputs carry the score under `s` (so a scorer "without scores" still prefers by it),
   * and the matrix holds the differences of `s`.
   */
  const scored = (rows: readonly Row[], scores: number[], withScores: boolean): ScoredItem[] => {
    const outputs = scores.map((s) => (withScores ? { score: s, s } : ({ s } as ResponseOutputs)));
    const s = (o: ResponseOutputs) => (o as { s: number }).s;
    let at = 0;
    return rows.map((row) => {
      const { chosen: c, rejected: r } = rowItem(row);
      const chosen = outputs.slice(at, (at += c.length));
      const rejected = outputs.slice(at, (at += r.length));
      return { chosen, rejected, matrix: chosen.map((a) => rejected.map((b) => s(a) - s(b))) };
    });
  };

  it('rb2-ties, decided then accumulated in two windows, gives the formula over all groups', () => {
    const rows: SetRow[] = [
      { id: 'ref:1', subset: 'Ties', prompt: 'q', chosen: ['a'], rejected: ['b', 'c'] },
      { id: 'tied:1', subset: 'Ties', prompt: 'q', chosen: ['a', 'd'], rejected: ['b'] },
      { id: 'ref:2', subset: 'Ties', prompt: 'r', chosen: ['a'], rejected: ['b'] },
      { id: 'tied:2', subset: 'Ties', prompt: 'r', chosen: ['a', 'd'], rejected: ['b'] },
    ];
    const scores = [5, 3, 1, 5, 4, 3, 1, 2, 6, 2, 0];
    const e = entry('Ties', 'rb2-ties');
    const { outcomes } = decideSubset(scorer('bt'), e, rows, scored(rows, scores, true));
    expect(outcomes.map((o) => ('value' in o ? o.value : null))).toEqual([1, 1, 0, 1]);
    const summary = new SubsetAccumulator(e).add(rows.slice(0, 3), outcomes.slice(0, 3)).add(rows.slice(3), outcomes.slice(3)).finish();
    expect(summary.values).toEqual([1, 1, 0, 1]);
    expect(summary.accuracy).toBe(
      ties([
        { type: 'ref', promptId: '1', correct: [5], incorrect: [3, 1] },
        { type: 'tied', promptId: '1', correct: [5, 4], incorrect: [3] },
        { type: 'ref', promptId: '2', correct: [1], incorrect: [2] },
        { type: 'tied', promptId: '2', correct: [6, 2], incorrect: [0] },
      ]).score,
    );
    expect(summary.statistic!.units).toBe(2);
  });

  it('rb2-ties refuses a scorer without per-response scores, naming the subset and the kind', () => {
    const rows: SetRow[] = [{ id: 'ref:1', subset: 'Ties', prompt: 'q', chosen: ['a'], rejected: ['b'] }];
    expect(() => decideSubset(scorer('gpm'), entry('Ties', 'rb2-ties'), rows, scored(rows, [2, 1], false))).toThrow(
      'subset Ties: the rb2-ties metric needs a per-response score; scorer kind gpm has none',
    );
  });

  it('best-of-n reads the suite rule; pairs count exact ties and keep human tie labels out of the values', () => {
    const sets: SetRow[] = [{ id: '1', subset: 'b', prompt: 'q', chosen: ['a'], rejected: ['b', 'c'] }];
    const bon = (rule: 'shared' | 'wrong') => decideSubset(scorer('bt'), entry('b', 'best-of-n'), sets, scored(sets, [2, 2, 1], true), rule).outcomes[0];
    expect(bon('shared')).toMatchObject({ value: 0.5, tie: true });
    expect(bon('wrong')).toMatchObject({ value: 0, tie: true });
    const pairs: PairRow[] = [
      { id: '1', subset: 'p', prompt: 'q', chosen: 'aa', rejected: 'b' },
      { id: '2', subset: 'p', prompt: 'q', chosen: 'a', rejected: 'b' },
      { id: '3', subset: 'p', prompt: 'q', chosen: 'a', rejected: 'b', tie: true },
    ];
    const e = entry('p', 'pairwise');
    const { outcomes } = decideSubset(scorer('bt'), e, pairs, scored(pairs, [2, 1, 1, 1, 3, 1], true));
    expect(outcomes.map((o) => ('correct' in o ? [o.correct, o.margin, o.tie_label ?? false] : null))).toEqual([
      [true, 1, false],
      [false, 0, false],
      [true, 2, true],
    ]);
    const summary = new SubsetAccumulator(e).add(pairs, outcomes).finish();
    expect([summary.values, summary.ties, summary.tieLabels]).toEqual([[1, 0], 1, 1]);
  });
});
