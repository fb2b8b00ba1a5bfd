/**
 * @file Log π(y|x) of responses through a causal LM's extended session (src/onnx/logprob-graph.ts):
 * sequences are padded (either side) into batches, the session returns next-token log-probs
 * [batch, sequence], and each response's are summed in float64 over its own tokens only.
 *
 * Feeds (padSequences, as every graph backend pads): input_ids (pad id where padded); attention_mask
 * from the lengths; position_ids = a token's index among its row's real tokens, so positions never
 * depend on padding;
 * target_ids[b, t] = input_ids[b, t + 1] (0 where nothing follows: never summed).
 * log π(y|x) = sum over response tokens y_i at index i of token_logprobs[b, i - 1].
 *
 * Memory: ONNX Runtime holds the batch's logits, tokens x vocab x 4 bytes (float16 logits:
 * x (2 + 4), the logits and their float32 cast), on top of the model's own activations; a batch
 * takes as many length-sorted sequences as keep padded tokens x vocab x bytes within the budget
 * (one sequence alone may exceed it). JavaScript only ever sees [batch, sequence] float32.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors.js';
import { padSequences } from '../scorers/backends/graph-tensors.js';
import { planBatches } from '../scorers/batching.js';
import type { Side } from '../scorers/tokenize.js';
import { TARGET_IDS, TOKEN_LOGPROBS, type CausalLmGraphInfo } from '../onnx/logprob-graph.js';
import type { DpoSequence } from './tokens.js';

/** Default bytes of logits ONNX Runtime may hold per batch. */
export const DEFAULT_LOGITS_BUDGET_BYTES = 512 * 2 ** 20;

export interface ResponseLogprob {
  /** log π(y|x): the sum of the response tokens' log-probs. */
  sum: number;
  /** sum / tokens: the per-token mean. */
  mean: number;
  /** Response tokens scored. */
  tokens: number;
}

export interface LogprobRunOptions {
  paddingSide: Side;
  padTokenId: number;
  /** Bytes of logits per batch (default DEFAULT_LOGITS_BUDGET_BYTES). */
  logitsBudgetBytes?: number;
}

/** Padded tokens per batch that keep the logits within `budgetBytes` (at least 1). */
export function logitsTokenBudget(graph: Pick<CausalLmGraphInfo, 'logitsType'>, vocabSize: number, budgetBytes = DEFAULT_LOGITS_BUDGET_BYTES): number {
  const bytesPerLogit = graph.logitsType === 'float16' ? 2 + 4 : 4;
  return Math.max(1, Math.floor(budgetBytes / (vocabSize * bytesPerLogit)));
}

/** The int64 feeds of one batch, padded to its longest sequence on `side`. */
export function logprobFeeds(batch: readonly DpoSequence[], side: Side, padTokenId: number, inputNames: readonly string[]) {
  const { ids, mask, positions, length } = padSequences(batch.map((s) => s.ids), side, padTokenId);
  const size = batch.length;
  const targets = new BigInt64Array(size * length);
  const offsets = batch.map((seq, b) => {
    const start = side === 'left' ? length - seq.ids.length : 0;
    for (let t = 1; t < seq.ids.length; t++) targets[b * length + start + t - 1] = BigInt(seq.ids[t]!);
    return start;
  });
  const tensor = (data: BigInt64Array) => new ort.Tensor('int64', data, [size, length]);
  const feeds: Record<string, ort.Tensor> = { input_ids: tensor(ids), attention_mask: tensor(mask), [TARGET_IDS]: tensor(targets) };
  if (inputNames.includes('position_ids')) feeds.position_ids = tensor(positions);
  return { feeds, length, offsets };
}

/** Log-probs of one batch's responses, in batch order (the batch is run as given, in one pass). */
export async function batchLogprobs(session: ort.InferenceSession, batch: readonly DpoSequence[], options: Pick<LogprobRunOptions, 'paddingSide' | 'padTokenId'>): Promise<ResponseLogprob[]> {
  const { feeds, length, offsets } = logprobFeeds(batch, options.paddingSide, options.padTokenId, session.inputNames);
  const output = (await session.run(feeds, [TOKEN_LOGPROBS]))[TOKEN_LOGPROBS]!;
  if (output.type !== 'float32' || output.dims.length !== 2 || output.dims[0] !== batch.length || output.dims[1] !== length) {
    throw new UserError(`${TOKEN_LOGPROBS} came back ${output.type} [${output.dims.join(', ')}], expected float32 [${batch.length}, ${length}]: the graph's logits are not [batch, sequence, vocab]`);
  }
  const values = output.data as Float32Array;
  return batch.map((seq, b) => {
    let sum = 0;
    const row = b * length + offsets[b]!;
    for (let t = seq.responseStart; t < seq.ids.length; t++) sum += values[row + t - 1]!;
    const tokens = seq.ids.length - seq.responseStart;
    return { sum, mean: sum / tokens, tokens };
  });
}

/**
 * Log-probs of every sequence's response, in input order. `vocabSize` sizes the batches (the
 * graph's declared vocab, or the tokenizer's when the graph leaves it symbolic).
 */
export async function responseLogprobs(
  session: ort.InferenceSession,
  graph: Pick<CausalLmGraphInfo, 'logitsType'>,
  vocabSize: number,
  sequences: readonly DpoSequence[],
  options: LogprobRunOptions,
): Promise<ResponseLogprob[]> {
  const results: ResponseLogprob[] = new Array(sequences.length);
  const budget = logitsTokenBudget(graph, vocabSize, options.logitsBudgetBytes);
  for (const { indices } of planBatches(sequences.map((s) => s.ids.length), budget)) {
    const got = await batchLogprobs(session, indices.map((i) => sequences[i]!), options);
    indices.forEach((i, b) => (results[i] = got[b]!));
  }
  return results;
}

/** The DPO implicit reward r(x, y) = beta * (log π(y|x) - log π_ref(y|x)). */
export function dpoReward(beta: number, policy: ResponseLogprob, reference: ResponseLogprob): number {
  return beta * (policy.sum - reference.sum);
}

export const REFERENCE_FREE = ['sum', 'avg'] as const;
export type ReferenceFree = (typeof REFERENCE_FREE)[number];

/** Reference-free reward: the response's summed log-prob, or its per-token mean. */
export function referenceFreeReward(kind: ReferenceFree, policy: ResponseLogprob): number {
  return kind === 'sum' ? policy.sum : policy.mean;
}

