/**
 * @file General preference models (GPM, general-preference/general-preference-model): each response
 * becomes an embedding v (even dimension d); a pair is scored by a skew-symmetric form
 *   s(a beats b) = a^T R^T b = sum_k lambda_k (a_2k b_2k+1 - a_2k+1 b_2k),
 * R = blockdiag([[0, -lambda_k], [lambda_k, 0]]), lambda (d/2 values) from the model's prompt head
 * when it has one, else all ones. P(a beats b) = sigmoid(s / tau). Embeddings are computed once per
 * response (linear cost); pairs are scored afterwards. There is no per-response score, and cycles
 * (a > b > c > a) are expressible, which no scalar reward can represent.
 */
import { UserError } from '../../errors.js';
import { outputNames } from '../model-folder.js';
import { percent, sigmoid } from '../summary.js';
import type { Kind, ResponseOutputs, ScoredPair, ScorerReport, SummaryAccumulator } from '../types.js';
import { PROMPT_NOTE } from './armorm.js';

export const DEFAULT_TAU = 0.1;

export interface GpmOutputs extends ResponseOutputs {
  embedding: Float32Array;
  /** d/2 weights from the prompt head; absent when the model has none (all ones). */
  lambda?: Float32Array;
}

/**
 * s(a beats b). Both responses of a pair share their prompt, hence lambda; the mean of the two is
 * used so that s(a, b) = -s(b, a) holds exactly in floating point.
 */
export function preference(a: GpmOutputs, b: GpmOutputs): number {
  const x = a.embedding;
  const y = b.embedding;
  let s = 0;
  for (let k = 0; 2 * k + 1 < x.length; k++) {
    const lambda = a.lambda && b.lambda ? (a.lambda[k]! + b.lambda[k]!) / 2 : 1;
    s += lambda * (x[2 * k]! * y[2 * k + 1]! - x[2 * k + 1]! * y[2 * k]!);
  }
  return s;
}

type GpmAbout = { dimension: number | null; lambda: 'model' | 'ones' };

export const gpm: Kind<GpmOutputs> = {
  name: 'gpm',
  description: 'a response embedding per response; pairs scored by a skew-symmetric form (general preference)',
  oneVectorPerText: false,
  outputsField: 'rmbench.outputs',
  rewardBenchType: () => 'Custom Classifier',
  reportLines: gpmReportLines,
  inspect(block, graph) {
    const names = outputNames(block);
    const problems: string[] = [];
    const d = graph.width(names.embedding!);
    const l = graph.width(names.lambda!);
    if (d !== null && d % 2 !== 0) problems.push(`output ${names.embedding} has ${d} values per response; a GPM embedding needs an even dimension`);
    if (d !== null && l !== null && l * 2 !== d) problems.push(`output ${names.lambda} has ${l} values per response; expected ${d / 2}`);
    return { problems, notes: graph.promptInputs ? [] : [PROMPT_NOTE('lambda')] };
  },
  outputs(block): ReturnType<Kind['outputs']> {
    const names = outputNames(block);
    const hint = 'name them in rmbench.outputs (embedding, lambda) in config.json';
    // lambda is optional unless the block names it.
    return block.outputs?.lambda !== undefined
      ? { required: { embedding: names.embedding!, lambda: names.lambda! }, hint }
      : { required: { embedding: names.embedding! }, optional: { lambda: names.lambda! }, hint };
  },
  open({ block, backend }, read) {
    const names = outputNames(block);
    const tau = block.tau ?? DEFAULT_TAU;
    const hasLambda = read.includes(names.lambda!);
    const where = backend.where;
    let dimension: number | null = null;
    return {
      unit: 'response',
      config: { outputs: { embedding: names.embedding, lambda: hasLambda ? names.lambda : null }, tau, lambda: hasLambda ? 'model' : 'ones' },
      read(row) {
        const embedding = row[names.embedding!]!;
        if (dimension === null) {
          if (embedding.length % 2 !== 0) throw new UserError(`${where}: "${names.embedding}" has ${embedding.length} values per response; a GPM embedding has an even dimension`);
          dimension = embedding.length;
        }
        if (!hasLambda) return { embedding };
        const lambda = row[names.lambda!]!;
        if (lambda.length * 2 !== embedding.length) {
          throw new UserError(`${where}: "${names.lambda}" has ${lambda.length} values per response; expected ${embedding.length / 2} (half the embedding's ${embedding.length})`);
        }
        return { embedding, lambda };
      },
      prefer: preference,
      summary: () => new GpmSummary(tau, { dimension, lambda: hasLambda ? 'model' : 'ones' }),
      saveOutputs: (o) => ({ embedding: Array.from(o.embedding), ...(o.lambda ? { lambda: Array.from(o.lambda) } : {}) }),
    };
  },
  restorer(reports) {
    const first = reports[0]!;
    return {
      accumulator: new GpmSummary(first.tau as number, { dimension: first.dimension as number | null, lambda: first.lambda as 'model' | 'ones' }),
      restore: (o) => ({ embedding: Float32Array.from(o.embedding!), ...(o.lambda ? { lambda: Float32Array.from(o.lambda) } : {}) }),
    };
  },
};

/** The GPM report, streamed: mean P(chosen beats rejected) = sigmoid(s / tau), overall and per section. */
export class GpmSummary implements SummaryAccumulator<GpmOutputs> {
  private sum = 0;
  private pairs = 0;
  private readonly sections = new Map<string, { sum: number; pairs: number }>();

  constructor(
    private readonly tau: number,
    private readonly about: GpmAbout,
  ) {}

  add({ section, chosen, rejected }: ScoredPair<GpmOutputs>): void {
    const p = sigmoid(preference(chosen, rejected) / this.tau);
    this.sum += p;
    this.pairs++;
    let s = this.sections.get(section);
    if (!s) this.sections.set(section, (s = { sum: 0, pairs: 0 }));
    s.sum += p;
    s.pairs++;
  }

  finish(): ScorerReport {
    const { tau, about } = this;
    const mean = (s: { sum: number; pairs: number }) => (s.pairs ? s.sum / s.pairs : null);
    const json = {
      kind: 'gpm',
      pairs: this.pairs,
      dimension: about.dimension,
      lambda: about.lambda,
      tau,
      /** Mean over pairs of P(chosen beats rejected) = sigmoid(s(chosen, rejected) / tau). */
      mean_probability: mean({ sum: this.sum, pairs: this.pairs }),
      mean_probability_by_section: Object.fromEntries([...this.sections].map(([section, s]) => [section, mean(s)])),
    };
    return { json, text: gpmReportLines(json) };
  }
}

/** The terminal and HTML lines of a GPM report (from its JSON, so a saved run renders the same). */
function gpmReportLines(report: Record<string, unknown>): string[] {
  const json = report as { dimension: number | null; lambda: string; tau: number; mean_probability: number | null; mean_probability_by_section: Record<string, number | null> };
  const bySection = Object.entries(json.mean_probability_by_section)
    .map(([s, p]) => `${s} ${percent(p!)}`)
    .join(', ');
  return [
    `GPM (d = ${json.dimension}, lambda ${json.lambda === 'model' ? 'from the prompt head' : 'all ones'}): mean P(chosen beats rejected) at tau ${json.tau}: ${json.mean_probability === null ? 'n/a' : percent(json.mean_probability)}${bySection ? ` (${bySection})` : ''}`,
  ];
}
