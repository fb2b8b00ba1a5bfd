/**
 * @file General preference models (GPM, general-preference/general-preference-model): each response
 * becomes an embedding v (even dimension d); a pair is scored by a skew-symmetric form
 *   s(a beats b) = a^T R^T b = sum_k lambda_k (a_2k b_2k+1 - a_2k+1 b_2k),
 * R = blockdiag([[0, -lambda_k], [lambda_k, 0]]), lambda (d/2 values) from the model's prompt head
 * when it has one, else all ones. P(a beats b) = sigmoid(s / tau). Embeddings are computed once per
 * response (linear cost); pairs are scored afterwards. There is no per-response score, and cycles
 * (a > b > c > a) are expressible, which no scalar reward can represent.
 */
import { UserError } from '../errors.js';
import { outputNames, type ModelFolder } from './model-folder.js';
import { OnnxResponseModel, type OnnxModelOptions } from './onnx-model.js';
import { groupBy, percent, sigmoid } from './summary.js';
import type { ResponseOutputs, Scorer, ScoredPair } from './types.js';

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

export async function createGpmScorer(folder: ModelFolder, options: OnnxModelOptions = {}): Promise<Scorer<GpmOutputs>> {
  const block = folder.rmbench;
  const names = outputNames(block);
  const tau = block.tau ?? DEFAULT_TAU;
  const hint = 'name them in rmbench.outputs (embedding, lambda) in config.json';
  // lambda is optional unless the block names it.
  const lambdaNamed = block.outputs?.lambda !== undefined;
  const outputs = lambdaNamed ? { required: [names.embedding!, names.lambda!], hint } : { required: [names.embedding!], optional: [names.lambda!], hint };
  const model = await OnnxResponseModel.openFor(folder, options, outputs);
  const wanted = model.hasOutput(names.lambda!) ? [names.embedding!, names.lambda!] : [names.embedding!];
  const hasLambda = wanted.length === 2;
  let dimension: number | null = null;

  return {
    info: {
      kind: 'gpm',
      model: folder.name,
      path: folder.path,
      sha256: model.sha256,
      config: { ...model.config, outputs: { embedding: names.embedding, lambda: hasLambda ? names.lambda : null }, tau, lambda: hasLambda ? 'model' : 'ones' },
    },
    stats: model.stats,
    async scoreResponses(inputs, onProgress) {
      const rows = await model.run(inputs, wanted, onProgress);
      return rows.map((row) => {
        const embedding = row[names.embedding!]!;
        if (dimension === null) {
          if (embedding.length % 2 !== 0) throw new UserError(`${folder.onnxPath}: "${names.embedding}" has ${embedding.length} values per response; a GPM embedding has an even dimension`);
          dimension = embedding.length;
        }
        if (!hasLambda) return { embedding };
        const lambda = row[names.lambda!]!;
        if (lambda.length * 2 !== embedding.length) {
          throw new UserError(`${folder.onnxPath}: "${names.lambda}" has ${lambda.length} values per response; expected ${embedding.length / 2} (half the embedding's ${embedding.length})`);
        }
        return { embedding, lambda };
      });
    },
    prefer: preference,
    summarize: (pairs) => summarizeGpm(pairs, tau, { dimension, lambda: hasLambda ? 'model' : 'ones' }),
    reportOutputs: (o) => ({ embedding: Array.from(o.embedding), ...(o.lambda ? { lambda: Array.from(o.lambda) } : {}) }),
    dispose: () => model.dispose(),
  };
}

/** The GPM report: mean P(chosen beats rejected) = sigmoid(s / tau), overall and per section. */
export function summarizeGpm(pairs: readonly ScoredPair<GpmOutputs>[], tau: number, about: { dimension: number | null; lambda: 'model' | 'ones' }) {
  const meanProbability = (list: readonly ScoredPair<GpmOutputs>[]) =>
    list.length ? list.reduce((sum, p) => sum + sigmoid(preference(p.chosen, p.rejected) / tau), 0) / list.length : null;
  const sections = groupBy(pairs, (p) => p.section);
  const json = {
    kind: 'gpm',
    pairs: pairs.length,
    dimension: about.dimension,
    lambda: about.lambda,
    tau,
    /** Mean over pairs of P(chosen beats rejected) = sigmoid(s(chosen, rejected) / tau). */
    mean_probability: meanProbability(pairs),
    mean_probability_by_section: Object.fromEntries([...sections].map(([section, list]) => [section, meanProbability(list)])),
  };
  const bySection = [...sections.keys()].map((s) => `${s} ${percent(json.mean_probability_by_section[s]!)}`).join(', ');
  const text = [
    `GPM (d = ${about.dimension}, lambda ${about.lambda === 'model' ? 'from the prompt head' : 'all ones'}): mean P(chosen beats rejected) at tau ${tau}: ${json.mean_probability === null ? 'n/a' : percent(json.mean_probability)}${bySection ? ` (${bySection})` : ''}`,
  ];
  return { json, text };
}
