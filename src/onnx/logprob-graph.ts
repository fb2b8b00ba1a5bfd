/**
 * @file Turns a causal-LM ONNX graph (input_ids, attention_mask, optional position_ids -> logits
 * [batch, sequence, vocab]) into one that returns the log-probability of given next tokens:
 * a new int64 input `target_ids` [batch, sequence] and a single output `token_logprobs`
 * [batch, sequence] (float32), token_logprobs[b, t] = log_softmax(logits[b, t, :])[target_ids[b, t]].
 * The [batch, sequence, vocab] logits then live only inside ONNX Runtime, which frees them after the
 * last node that reads them: a 128k vocabulary at 2,048 tokens is 1 GiB per sequence, never copied to
 * JavaScript.
 *
 * log_softmax(x)[k] is computed as x[k] - ReduceLogSumExp(x) (GatherElements then Sub): ONNX
 * Runtime's ReduceLogSumExp subtracts the maximum before exponentiating, so this is as stable as
 * LogSoftmax, without LogSoftmax's second [batch, sequence, vocab] tensor. fp16 logits are cast to
 * float32 first (that cast is one more full-size tensor, 4 bytes per value).
 *
 * External data: the extended graph is built in memory and the session is created from the buffer,
 * with ONNX Runtime's `session.model_external_initializers_file_folder_path` pointing at the original
 * model's folder, so the initializers' relative `location`s resolve exactly as for the original file.
 * Nothing is written next to the model or into a cache folder (no stale copies to invalidate, no
 * write access needed); the cost is decoding the .onnx protobuf once in JavaScript, which is small
 * for exports that keep their weights in external data (as every multi-GB export must).
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { UserError } from '../errors.js';
import type { Device } from '../scorers/devices.js';
import { openSession } from '../scorers/onnx-session.js';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

export const TARGET_IDS = 'target_ids';
export const TOKEN_LOGPROBS = 'token_logprobs';
/** The inputs rmbench feeds a causal LM; input_ids and attention_mask are required. */
export const CAUSAL_LM_INPUTS = ['input_ids', 'attention_mask', 'position_ids'] as const;
const REQUIRED_INPUTS = ['input_ids', 'attention_mask'] as const;
const LOGITS = 'logits';

/** What the extension found in the original graph (for `inspect` and the memory budget). */
export interface CausalLmGraphInfo {
  /** The causal-LM inputs the graph takes (position_ids is optional). */
  inputs: readonly string[];
  /** The declared logits shape (numbers or symbolic names; '?' where undeclared). */
  logitsShape: readonly (number | string)[];
  logitsType: 'float32' | 'float16';
  /** The vocabulary size when the graph declares it as a number. */
  vocabSize: number | null;
  /** The default-domain opset the graph was exported with. */
  opset: number;
}

type Dims = readonly onnxProto.onnx.TensorShapeProto.IDimension[];
const dimText = (d: onnxProto.onnx.TensorShapeProto.IDimension): number | string =>
  d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : d.dimParam || '?';

/**
 * The model with `target_ids` in and `token_logprobs` out (its only output), and what it found.
 * `source` names the file in errors.
 */
export function addTokenLogprobs(modelBytes: Uint8Array, source: string): { model: Uint8Array; info: CausalLmGraphInfo } {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph) throw new UserError(`${source}: not an ONNX model (no graph)`);
  // Older exports list initializers among the inputs: those are weights, not inputs to feed.
  const weights = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).map((i) => i.name ?? '').filter((n) => !weights.has(n));
  const missing = REQUIRED_INPUTS.filter((n) => !inputs.includes(n));
  const unknown = inputs.filter((n) => !(CAUSAL_LM_INPUTS as readonly string[]).includes(n));
  if (missing.length || unknown.length) {
    const problems = [
      ...(missing.length ? [`has no ${missing.join(' or ')} input`] : []),
      ...(unknown.length ? [`has input${unknown.length > 1 ? 's' : ''} rmbench does not feed (${unknown.slice(0, 3).join(', ')}${unknown.length > 3 ? ', ...' : ''})`] : []),
    ];
    throw new UserError(
      `${source}: a causal LM for rmbench takes ${CAUSAL_LM_INPUTS.join(', ')} (position_ids optional) but this graph ${problems.join(' and ')}; export it without past key values (optimum task "text-generation")`,
    );
  }
  if (inputs.includes(TARGET_IDS)) throw new UserError(`${source}: the graph already has an input named ${TARGET_IDS}`);
  const logits = (graph.output ?? []).find((o) => o.name === LOGITS);
  if (!logits) throw new UserError(`${source}: no "${LOGITS}" output (outputs: ${(graph.output ?? []).map((o) => o.name).join(', ') || 'none'}); a causal LM returns logits [batch, sequence, vocab]`);
  const tensorType = logits.type?.tensorType;
  const elem = tensorType?.elemType;
  if (elem !== DT.FLOAT && elem !== DT.FLOAT16) {
    throw new UserError(`${source}: output "${LOGITS}" has element type ${elem === undefined || elem === null ? 'undeclared' : (DT[elem] ?? elem)}; expected float32 or float16`);
  }
  if (!tensorType?.shape) {
    throw new UserError(`${source}: output "${LOGITS}" declares no shape; rmbench needs logits declared [batch, sequence, vocab] to attach its log-prob head (re-export the model)`);
  }
  const dims: Dims = tensorType.shape.dim ?? [];
  if (dims.length !== 3) {
    throw new UserError(`${source}: output "${LOGITS}" is [${dims.map(dimText).join(', ')}] (rank ${dims.length}); a causal LM returns logits [batch, sequence, vocab]`);
  }
  const opset = Number((model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  if (opset < 13) throw new UserError(`${source}: opset ${opset} is too old; rmbench's log-prob head needs opset 13 or later (re-export the model)`);

  const nodes = graph.node ?? (graph.node = []);
  const inits = graph.initializer ?? (graph.initializer = []);
  const axesLast = { name: 'rmbench_axes_last', dims: [1], dataType: DT.INT64, int64Data: [-1] };
  inits.push(axesLast);
  const A = onnx.AttributeProto.AttributeType;
  const intAttr = (name: string, i: number) => ({ name, type: A.INT, i });
  const intsAttr = (name: string, ints: number[]) => ({ name, type: A.INTS, ints });
  let scores = LOGITS;
  if (elem === DT.FLOAT16) {
    nodes.push({ opType: 'Cast', name: 'rmbench_logits_to_float', input: [LOGITS], output: ['rmbench_logits_f32'], attribute: [intAttr('to', DT.FLOAT)] });
    scores = 'rmbench_logits_f32';
  }
  // ReduceLogSumExp takes its axes as an input from opset 18, as an attribute before.
  nodes.push(
    opset >= 18
      ? { opType: 'ReduceLogSumExp', name: 'rmbench_logsumexp', input: [scores, axesLast.name], output: ['rmbench_logsumexp'], attribute: [intAttr('keepdims', 1)] }
      : { opType: 'ReduceLogSumExp', name: 'rmbench_logsumexp', input: [scores], output: ['rmbench_logsumexp'], attribute: [intAttr('keepdims', 1), intsAttr('axes', [-1])] },
  );
  const axisOp = (op: 'Unsqueeze' | 'Squeeze', input: string, output: string) => ({ opType: op, name: `rmbench_${output}`, input: [input, axesLast.name], output: [output] });
  nodes.push(
    axisOp('Unsqueeze', TARGET_IDS, 'rmbench_target_index'),
    { opType: 'GatherElements', name: 'rmbench_target_logit', input: [scores, 'rmbench_target_index'], output: ['rmbench_target_logit'], attribute: [intAttr('axis', -1)] },
    { opType: 'Sub', name: 'rmbench_logprob', input: ['rmbench_target_logit', 'rmbench_logsumexp'], output: ['rmbench_logprob'] },
    axisOp('Squeeze', 'rmbench_logprob', TOKEN_LOGPROBS),
  );
  const [batch, sequence] = dims;
  const tensor = (elemType: number, shape: Dims) => ({ tensorType: { elemType, shape: { dim: [...shape] } } });
  graph.input!.push({ name: TARGET_IDS, type: tensor(DT.INT64, [batch!, sequence!]) });
  // The only output: ONNX Runtime then computes nothing else and frees the logits once read.
  graph.output = [{ name: TOKEN_LOGPROBS, type: tensor(DT.FLOAT, [batch!, sequence!]) }];
  const logitsShape = dims.map(dimText);
  return {
    model: onnx.ModelProto.encode(model).finish(),
    info: {
      inputs: CAUSAL_LM_INPUTS.filter((n) => inputs.includes(n)),
      logitsShape,
      logitsType: elem === DT.FLOAT16 ? 'float16' : 'float32',
      vocabSize: typeof logitsShape[2] === 'number' ? logitsShape[2] : null,
      opset,
    },
  };
}

export interface LogprobSessionOptions {
  /** Execution provider (default cpu; an unavailable one falls back to cpu with a warning). */
  device?: Device;
  threads?: number;
  onWarning?: (message: string) => void;
}

export interface LogprobSession {
  session: ort.InferenceSession;
  info: CausalLmGraphInfo;
  /** The device the session runs on. */
  device: Device;
}

/**
 * A session over the extended graph of `onnxPath`; external data files resolve against the
 * model's own folder.
 */
export async function openLogprobSession(onnxPath: string, options: LogprobSessionOptions = {}): Promise<LogprobSession> {
  const { model, info } = addTokenLogprobs(readFileSync(onnxPath), onnxPath);
  const { session, device } = await openSession(`${onnxPath} (with rmbench's log-prob head)`, {
    model,
    device: options.device ?? 'cpu',
    threads: options.threads,
    onWarning: options.onWarning,
    extra: { session: { model_external_initializers_file_folder_path: dirname(onnxPath) } },
  });
  return { session, info, device };
}
