/**
 * @file What `rmbench inspect` says about a causal-LM folder (a DPO policy or reference): the
 * graph's logits (shape, type, vocab against the tokenizer's), the inputs fed, and for a sample
 * prompt and response the pinned token split (which tokens are prompt, which response) with the
 * response's log-prob through rmbench's log-prob head. Problems (no chat template, a template that
 * renders the prompt differently once a response is appended, a graph that is not a causal LM) are
 * collected, not thrown, so one broken part does not hide the others.
 */
import { errorMessage } from '../errors.js';
import type { ModelFolder } from '../scorers/model-folder.js';
import type { Device } from '../scorers/devices.js';
import type { TextSetup } from '../scorers/text-setup.js';
import { openLogprobSession, type LogprobSession } from '../onnx/logprob-graph.js';
import { batchLogprobs } from './logprobs.js';
import { DpoTokenizer, sequenceTokens } from './tokens.js';

export const SAMPLE = { prompt: 'What is the capital of France?', response: 'The capital of France is Paris.' };

export interface CausalLmInspection {
  vocab_size: { graph: number | null; tokenizer: number };
  logits: { shape: (number | string)[]; type: string } | null;
  inputs: string[] | null;
  opset: number | null;
  /** The sample's tokens, split where the response starts, and log π(response | prompt). */
  sample: { prompt: string; response: string; prompt_tokens: string[]; response_tokens: string[]; logprob: number | null } | null;
}

/** Whether a folder holds a causal LM: its rmbench block says scorer "dpo", or config.json names a *ForCausalLM architecture. */
export function isCausalLmFolder(folder: ModelFolder): boolean {
  if (folder.rmbench.scorer === 'dpo') return true;
  const architectures = folder.config.architectures;
  return folder.config.rmbench === undefined && Array.isArray(architectures) && architectures.some((a) => typeof a === 'string' && a.endsWith('ForCausalLM'));
}

export async function inspectCausalLm(folder: ModelFolder, text: TextSetup | undefined, device: Device, problems: string[], notes: string[]): Promise<CausalLmInspection> {
  const result: CausalLmInspection = { vocab_size: { graph: null, tokenizer: text?.tokenizer.vocabularySize ?? 0 }, logits: null, inputs: null, opset: null, sample: null };
  let opened: LogprobSession | undefined;
  try {
    opened = await openLogprobSession(folder.onnxPath, { device, onWarning: (m) => notes.push(m) });
    const { info } = opened;
    Object.assign(result, { logits: { shape: [...info.logitsShape], type: info.logitsType }, inputs: [...info.inputs], opset: info.opset });
    result.vocab_size.graph = info.vocabSize;
    if (text && info.vocabSize !== null && info.vocabSize < result.vocab_size.tokenizer) {
      problems.push(`logits have ${info.vocabSize} values per token but the tokenizer has ids up to ${result.vocab_size.tokenizer - 1}: the graph and tokenizer.json do not belong together`);
    }
  } catch (err) {
    problems.push(errorMessage(err));
  }
  try {
    if (text) {
      const tokens = new DpoTokenizer(text, folder.path);
      const seq = tokens.sequence(SAMPLE.prompt, SAMPLE.response);
      const split = sequenceTokens(tokens, seq);
      const logprob = opened ? (await batchLogprobs(opened.session, [seq], { paddingSide: text.paddingSide.value, padTokenId: text.tokenizer.padTokenId }))[0]!.sum : null;
      result.sample = { ...SAMPLE, prompt_tokens: split.prompt, response_tokens: split.response, logprob };
    }
  } catch (err) {
    problems.push(errorMessage(err));
  } finally {
    await opened?.session.release();
  }
  if (folder.rmbench.scorer !== 'dpo') notes.push('a causal LM: score it as a DPO policy with --reference DIR or --reference-free sum|avg, or set rmbench.scorer "dpo" (with reference or reference_free) in config.json');
  return result;
}

/** The inspection's causal-LM lines for the terminal. */
export function renderCausalLm(c: CausalLmInspection): string[] {
  const lines = [`  causal LM: vocab ${c.vocab_size.graph ?? '?'} (graph) / ${c.vocab_size.tokenizer} (tokenizer); logits ${c.logits ? `${c.logits.type} [${c.logits.shape.join(', ')}]` : 'unreadable'}; inputs ${c.inputs?.join(', ') ?? '?'}; opset ${c.opset ?? '?'}`];
  if (c.sample) {
    lines.push(
      `  sample: ${JSON.stringify(c.sample.prompt)} -> ${JSON.stringify(c.sample.response)}`,
      `    prompt tokens (${c.sample.prompt_tokens.length}): ${c.sample.prompt_tokens.map((t) => JSON.stringify(t)).join(' ')}`,
      `    response tokens (${c.sample.response_tokens.length}, scored): ${c.sample.response_tokens.map((t) => JSON.stringify(t)).join(' ')}`,
      `    log pi(response | prompt) = ${c.sample.logprob === null ? '?' : c.sample.logprob.toFixed(4)}`,
    );
  }
  return lines;
}
