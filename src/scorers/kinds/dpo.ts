/**
 * @file DPO implicit rewards (issue 13, docs/dpo.md): per response the backend gives log π(y|x)
 * (and log π_ref(y|x) with a reference) over the pinned tokens; the score is
 * beta * (log π - log π_ref), or reference-free the summed log-prob ("sum") or its per-token mean
 * ("avg"). Pairs are decided by the score (strict >, ties wrong). The summary streams the
 * diagnostics of "Preference Learning Algorithms Do Not Learn Preference Rankings" (Chen et al.,
 * 2024) per subset and overall: the implicit reward's accuracy, the reference's and the policy's
 * own ranking accuracy (log-prob of chosen > of rejected, summed and per token), the share of pairs
 * the policy's ranking moves from wrong to right and from right to wrong against the reference's
 * (summed log-probs), and how many responses were truncated.
 */
import { fromFloat64Pair } from '../../dpo/float64-pair.js';
import { KIND_OUTPUTS } from '../model-folder.js';
import { percent } from '../summary.js';
import type { Kind, ResponseOutputs, ScoredPair, ScorerReport, SummaryAccumulator } from '../types.js';

const OUT = KIND_OUTPUTS.dpo;

export interface DpoOutputs extends ResponseOutputs {
  score: number;
  /** log π(y|x), summed over the response's tokens. */
  policy: number;
  /** log π_ref(y|x) (absent reference-free). */
  reference?: number;
  /** The response's token count. */
  tokens: number;
  promptTruncated: boolean;
  responseTruncated: boolean;
}

/** What a summary is about: the reward's settings. */
interface DpoAbout {
  /** "reference", or the reference-free reward. */
  reward: 'reference' | 'sum' | 'avg';
  beta: number | null;
}

/** The score of a response's log-probs. */
function score(about: DpoAbout, policy: number, reference: number | undefined, tokens: number): number {
  if (about.reward === 'reference') return about.beta! * (policy - reference!);
  return about.reward === 'sum' ? policy : policy / tokens;
}

export const dpo: Kind<DpoOutputs> = {
  name: 'dpo',
  description: 'a causal LM scored by its DPO implicit reward beta * (log pi - log pi_ref), or reference-free by its log-prob',
  oneVectorPerText: false,
  outputsField: 'rmbench.scorer',
  rewardBenchType: (config) => (config.reward === 'reference' ? 'DPO' : 'DPO Ref. Free'),
  reportLines: dpoReportLines,
  outputs: (block) => ({
    required: { policy_logprob: OUT.policy_logprob, policy_tokens: OUT.policy_tokens, truncation: OUT.truncation, ...(block.reference_free === undefined ? { reference_logprob: OUT.reference_logprob } : {}) },
    hint: 'a reference model gives reference_logprob (--reference DIR), else score reference-free (--reference-free sum|avg)',
  }),
  open({ block }) {
    const about: DpoAbout = block.reference_free === undefined ? { reward: 'reference', beta: block.beta! } : { reward: block.reference_free, beta: null };
    return {
      unit: 'response',
      config: { reward: about.reward, beta: about.beta, reference_free: block.reference_free ?? null },
      read(row) {
        const policy = fromFloat64Pair(row[OUT.policy_logprob]!);
        const reference = about.reward === 'reference' ? fromFloat64Pair(row[OUT.reference_logprob]!) : undefined;
        const tokens = row[OUT.policy_tokens]![0]!;
        const truncation = row[OUT.truncation]!;
        return { score: score(about, policy, reference, tokens), policy, ...(reference === undefined ? {} : { reference }), tokens, promptTruncated: truncation[0] === 1, responseTruncated: truncation[1] === 1 };
      },
      prefer: (a, b) => a.score - b.score,
      summary: () => new DpoSummary(about),
      saveOutputs: (o) => ({
        [OUT.policy_logprob]: [o.policy],
        ...(o.reference === undefined ? {} : { [OUT.reference_logprob]: [o.reference] }),
        [OUT.policy_tokens]: [o.tokens],
        [OUT.truncation]: [o.promptTruncated ? 1 : 0, o.responseTruncated ? 1 : 0],
      }),
    };
  },
  restorer(reports) {
    const about: DpoAbout = { reward: reports[0]!.reward as DpoAbout['reward'], beta: reports[0]!.beta as number | null };
    return {
      accumulator: new DpoSummary(about),
      // Log-probs are stored as float64 JSON numbers: the score recomputed from them is the run's.
      restore: (o) => {
        const policy = o[OUT.policy_logprob]![0]!;
        const reference = o[OUT.reference_logprob]?.[0];
        const tokens = o[OUT.policy_tokens]![0]!;
        const [prompt, response] = o[OUT.truncation]!;
        return { score: score(about, policy, reference, tokens), policy, ...(reference === undefined ? {} : { reference }), tokens, promptTruncated: prompt === 1, responseTruncated: response === 1 };
      },
    };
  },
};

/** Counts over a group of pairs (a subset, or all). */
class Counts {
  pairs = 0;
  /** Implicit reward of chosen > of rejected. */
  correct = 0;
  /** The reference's and the policy's own ranking: summed log-prob, and per-token mean. */
  referenceSum = 0;
  referenceMean = 0;
  policySum = 0;
  policyMean = 0;
  /** The policy's summed ranking against the reference's. */
  wrongToRight = 0;
  rightToWrong = 0;
  /** Responses (two per pair) whose prompt start, or response end, was dropped. */
  promptTruncated = 0;
  responseTruncated = 0;

  add(c: DpoOutputs, r: DpoOutputs) {
    this.pairs++;
    if (c.score > r.score) this.correct++;
    const policyRight = c.policy > r.policy;
    if (policyRight) this.policySum++;
    if (c.policy / c.tokens > r.policy / r.tokens) this.policyMean++;
    if (c.reference !== undefined && r.reference !== undefined) {
      const referenceRight = c.reference > r.reference;
      if (referenceRight) this.referenceSum++;
      if (c.reference / c.tokens > r.reference / r.tokens) this.referenceMean++;
      if (!referenceRight && policyRight) this.wrongToRight++;
      if (referenceRight && !policyRight) this.rightToWrong++;
    }
    for (const o of [c, r]) {
      if (o.promptTruncated) this.promptTruncated++;
      if (o.responseTruncated) this.responseTruncated++;
    }
  }

  /** Shares of the pairs (null over none; reference figures null reference-free). */
  json(withReference: boolean) {
    const share = (n: number) => (this.pairs ? n / this.pairs : null);
    const ref = (n: number) => (withReference ? share(n) : null);
    return {
      pairs: this.pairs,
      accuracy: share(this.correct),
      reference_ranking_accuracy: ref(this.referenceSum),
      reference_ranking_accuracy_per_token: ref(this.referenceMean),
      policy_ranking_accuracy: share(this.policySum),
      policy_ranking_accuracy_per_token: share(this.policyMean),
      moved_wrong_to_right: ref(this.wrongToRight),
      moved_right_to_wrong: ref(this.rightToWrong),
      truncated_prompts: this.promptTruncated,
      truncated_responses: this.responseTruncated,
    };
  }
}

/** The DPO report, streamed: the diagnostics per subset and overall. */
export class DpoSummary implements SummaryAccumulator<DpoOutputs> {
  private readonly all = new Counts();
  private readonly subsets = new Map<string, Counts>();

  constructor(private readonly about: DpoAbout) {}

  add({ subset, chosen, rejected }: ScoredPair<DpoOutputs>): void {
    this.all.add(chosen, rejected);
    let s = this.subsets.get(subset);
    if (!s) this.subsets.set(subset, (s = new Counts()));
    s.add(chosen, rejected);
  }

  finish(): ScorerReport {
    const { reward, beta } = this.about;
    const withReference = reward === 'reference';
    const overall = this.all.json(withReference);
    const bySubset = Object.fromEntries([...this.subsets].map(([name, c]) => [name, c.json(withReference)]));
    const json = { kind: 'dpo', reward, beta, ...overall, by_subset: bySubset };
    return { json, text: dpoReportLines(json) };
  }
}

type DpoFigures = ReturnType<Counts['json']>;

/** The terminal and HTML lines of a DPO report (from its JSON, so a saved run renders the same). */
function dpoReportLines(report: Record<string, unknown>): string[] {
  const json = report as DpoFigures & { reward: DpoAbout['reward']; beta: number; by_subset: Record<string, DpoFigures> };
  const pct = (x: number | null) => (x === null ? '–' : percent(x));
  const width = Math.max(7, ...Object.keys(json.by_subset).map((k) => k.length)) + 2;
  const line = (name: string, c: DpoFigures) =>
    `  ${name.padEnd(width)}${String(c.pairs).padStart(6)}  ${pct(c.accuracy).padStart(8)}  ${pct(c.reference_ranking_accuracy).padStart(8)}  ${pct(c.reference_ranking_accuracy_per_token).padStart(9)}  ${pct(c.policy_ranking_accuracy).padStart(8)}  ${pct(c.moved_wrong_to_right).padStart(7)}  ${pct(c.moved_right_to_wrong).padStart(7)}`;
  const text = [
    `DPO ${json.reward === 'reference' ? `implicit reward beta * (log pi - log pi_ref), beta ${json.beta}` : `reference-free reward (${json.reward === 'sum' ? 'summed log-prob' : 'per-token mean log-prob'})`}; ranking = log-prob of chosen > of rejected:`,
    `  ${'subset'.padEnd(width)} pairs  accuracy  ref rank  ref/token  pol rank  ref✗→✓  ref✓→✗`,
    ...Object.entries(json.by_subset).map(([name, c]) => line(name, c)),
    line('overall', json),
  ];
  if (json.truncated_prompts || json.truncated_responses) {
    text.push(`  truncated: ${json.truncated_prompts} prompt start(s) and ${json.truncated_responses} response end(s) dropped over the pairs' responses (max_length)`);
  }
  return text;
}
