/**
 * @file `rmbench inspect`: everything rmbench would do with a model folder, and every problem it
 * sees, without running a benchmark. Problems break a run or change its scores (exit 1); warnings
 * are fallbacks rmbench handles (pad = eos, a de-duplicated BOS) that the folder could make explicit. Each part is loaded on its own (tokenizer, graph) so that one
 * broken part does not hide the others' reports. Returns data; the CLI renders it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { inspectCausalLm, isCausalLmFolder, renderCausalLm, type CausalLmInspection } from '../dpo/inspect.js';
import { UserError, errorMessage } from '../errors.js';
import { DEFAULT_TOKEN_BUDGET, GraphBackend } from './backends/graph.js';
import { inputProblems, sequenceAxisProblem } from './backends/graph-tensors.js';
import { KINDS } from './kinds/registry.js';
import { DTYPES, readModelFolder, variantFiles, type Dtype, type ModelFolder } from './model-folder.js';
import type { Device } from './devices.js';
import { openSession } from './onnx-session.js';
import { loadTextSetup, type Setting, type TextSetup } from './text-setup.js';
import type { Side } from './tokenize.js';

export interface InspectOptions {
  dtype?: Dtype;
  device?: Device;
  /** Run the padding probe (a few tiny forward passes; default true). */
  probe?: boolean;
}

export interface ValueInfo {
  name: string;
  type: string;
  /** Dimensions: sizes, or symbolic names such as "batch". */
  shape: (number | string)[];
}

export interface KindOutput {
  role: string;
  name: string;
  required: boolean;
  present: boolean | null;
}

export interface Inspection {
  path: string;
  name: string;
  kind: string;
  model_type: string | null;
  dtype: Dtype;
  onnx_file: string;
  /** The weight variants present, by dtype (null: absent). */
  variants: Record<Dtype, string | null>;
  /** Every file of the folder and its onnx/ subfolder, with sizes in bytes. */
  files: { file: string; bytes: number }[];
  inputs: ValueInfo[] | null;
  outputs: ValueInfo[] | null;
  kind_outputs: KindOutput[];
  prompt_inputs: boolean | null;
  text: {
    format: Setting<string>;
    chat_template_head: string | null;
    /** A pairwise graph's template over question, response_a and response_b (it replaces the text format). */
    pair_template: string | null;
    add_special_tokens: Setting<boolean>;
    max_length: Setting<number | null>;
    truncation_side: Setting<Side>;
    prompt_truncation_side: Side;
  } | null;
  padding: {
    side: Setting<Side>;
    /** Largest relative change of the outputs when a probe text is padded on each side (null: not run). */
    probe: { left: number; right: number; tolerance: number } | null;
  } | null;
  pad_token: { token: string | null; id: number; source: string; config_pad_token_id: number | null } | null;
  bos: { token: string | null; template_emits: boolean | null; tokenizer_adds: boolean; double_bos: boolean } | null;
  /** A causal-LM folder (DPO): vocab, logits, and a sample's prompt/response token split. */
  causal_lm?: CausalLmInspection;
  /** Things that make runs fail or change their scores: `rmbench inspect` exits 1. */
  problems: string[];
  /** Fallbacks rmbench handles the way Hugging Face does (the run is right); the folder could make them explicit. */
  warnings: string[];
  /** Worth knowing, not wrong. */
  notes: string[];
}

function metadata(values: readonly ort.InferenceSession.ValueMetadata[]): ValueInfo[] {
  return values.map((v) => (v.isTensor ? { name: v.name, type: v.type, shape: [...v.shape] } : { name: v.name, type: 'non-tensor', shape: [] }));
}

function listFiles(folder: ModelFolder): { file: string; bytes: number }[] {
  const out: { file: string; bytes: number }[] = [];
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory() && depth < 1) walk(full, depth + 1);
      else if (entry.isFile()) out.push({ file: relative(folder.path, full), bytes: statSync(full).size });
    }
  };
  walk(folder.path, 0);
  return out;
}

const FLOAT_TYPES = new Set(['float32', 'float16', 'float64']);

/** Problems with the graph's outputs for the folder's kind (its notes go to `notes`). */
function outputProblems(folder: ModelFolder, session: ort.InferenceSession, outputs: ValueInfo[], kindOutputs: KindOutput[], notes: string[]): string[] {
  const problems: string[] = [];
  const perToken = sequenceAxisProblem(session, kindOutputs.map((o) => o.name));
  if (perToken) problems.push(perToken);
  const missing = kindOutputs.filter((o) => o.required && !o.present);
  if (missing.length) {
    problems.push(`scorer "${folder.rmbench.scorer}" needs output ${missing.map((o) => `"${o.name}" (${o.role})`).join(', ')}; the graph has ${outputs.map((o) => o.name).join(', ')} (name them in ${KINDS[folder.rmbench.scorer].outputsField})`);
  }
  const byName = new Map(outputs.map((o) => [o.name, o]));
  for (const o of kindOutputs) {
    const info = byName.get(o.name);
    if (info && !FLOAT_TYPES.has(info.type)) problems.push(`output ${o.name} is ${info.type}; rmbench reads float32, float16 or float64`);
  }
  const width = (name: string) => {
    const dim = byName.get(name)?.shape[1];
    return typeof dim === 'number' ? dim : null;
  };
  const said = KINDS[folder.rmbench.scorer].inspect?.(folder.rmbench, { width, promptInputs: session.inputNames.includes('prompt_input_ids') });
  problems.push(...(said?.problems ?? []));
  notes.push(...(said?.notes ?? []));
  return problems;
}

function kindOutputsOf(folder: ModelFolder, outputs: ValueInfo[] | null): KindOutput[] {
  const { required, optional } = KINDS[folder.rmbench.scorer].outputs(folder.rmbench);
  const entries = [...Object.entries(required).map(([role, name]) => ({ role, name, required: true })), ...Object.entries(optional ?? {}).map(([role, name]) => ({ role, name, required: false }))];
  return entries.map((o) => ({ ...o, present: outputs ? outputs.some((v) => v.name === o.name) : null }));
}

export async function inspectModel(dir: string, options: InspectOptions = {}): Promise<Inspection> {
  const folder = readModelFolder(dir, { dtype: options.dtype });
  const problems: string[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  const variants = variantFiles(folder.rmbench.onnx_file);
  const files = listFiles(folder);
  const result: Inspection = {
    path: folder.path,
    name: folder.name,
    kind: folder.rmbench.scorer,
    model_type: typeof folder.config.model_type === 'string' ? folder.config.model_type : null,
    dtype: folder.dtype,
    onnx_file: folder.onnxFile,
    variants: Object.fromEntries(DTYPES.map((d) => [d, files.some((f) => f.file === variants[d]) ? variants[d] : null])) as Record<Dtype, string | null>,
    files,
    inputs: null,
    outputs: null,
    kind_outputs: kindOutputsOf(folder, null),
    prompt_inputs: null,
    text: null,
    padding: null,
    pad_token: null,
    bos: null,
    problems,
    warnings,
    notes,
  };

  let text: TextSetup | undefined;
  try {
    text = await loadTextSetup(folder);
  } catch (err) {
    problems.push(`tokenizer: ${errorMessage(err)}`);
  }
  if (text) {
    const tokenizer = text.tokenizer;
    const template = folder.tokenizerConfig.chat_template;
    result.text = {
      format: text.format,
      chat_template_head: text.format.value === 'chat_template' && typeof template === 'string' ? template.split('\n').slice(0, 3).join('\n').slice(0, 240) : null,
      pair_template: folder.rmbench.pair_template ?? null,
      add_special_tokens: text.addSpecialTokens,
      max_length: text.maxLength,
      truncation_side: text.truncationSide,
      prompt_truncation_side: 'left',
    };
    const configPad = typeof folder.config.pad_token_id === 'number' ? folder.config.pad_token_id : null;
    result.pad_token = { token: tokenizer.padToken, id: tokenizer.padTokenId, source: tokenizer.padTokenSource, config_pad_token_id: configPad };
    result.bos = { token: text.bos.token, template_emits: text.bos.templateEmits, tokenizer_adds: text.bos.tokenizerAdds, double_bos: text.bos.doubleBos };
    result.padding = { side: text.paddingSide, probe: null };
    if (tokenizer.padTokenSource !== 'pad_token') {
      warnings.push(`no pad_token in tokenizer_config.json: rmbench pads with ${tokenizer.padTokenSource} (id ${tokenizer.padTokenId}); the attention mask hides it, but set pad_token to make it explicit`);
    }
    if (configPad !== null && configPad !== tokenizer.padTokenId) {
      notes.push(`config.json pad_token_id is ${configPad} but the tokenizer pads with id ${tokenizer.padTokenId}: an export that finds the last token by comparing ids with pad_token_id will pool at the padding (the padding probe tests this)`);
    }
    if (text.bos.doubleBos) {
      warnings.push(`double BOS: the chat template emits ${text.bos.token} and add_special_tokens adds another; rmbench drops the second (and warns), but set rmbench.add_special_tokens to false or remove bos_token from the template`);
    } else if (text.bos.templateEmits === false && text.bos.tokenizerAdds && !text.addSpecialTokens.value) {
      notes.push(`no BOS: the chat template emits none and special tokens are off (as apply_chat_template does); if the model was trained with ${text.bos.token}, set rmbench.add_special_tokens to true`);
    }
    if (text.maxLength.value === null) notes.push('no max length (model_max_length, max_position_embeddings, rmbench.max_length): texts are never truncated');
  }

  if (isCausalLmFolder(folder)) return { ...result, kind: 'dpo', kind_outputs: [], causal_lm: await inspectCausalLm(folder, text, options.device ?? 'cpu', problems, notes) };
  let opened: Awaited<ReturnType<typeof openSession>> | undefined;
  try {
    opened = await openSession(folder.onnxPath, { device: options.device ?? 'cpu', onWarning: (m) => notes.push(m) });
  } catch (err) {
    problems.push(errorMessage(err));
  }
  if (opened) {
    const { session } = opened;
    result.inputs = metadata(session.inputMetadata);
    result.outputs = metadata(session.outputMetadata);
    result.prompt_inputs = session.inputNames.includes('prompt_input_ids');
    result.kind_outputs = kindOutputsOf(folder, result.outputs);
    const graphProblems = [...inputProblems(session.inputMetadata), ...outputProblems(folder, session, result.outputs, result.kind_outputs, notes)];
    problems.push(...graphProblems);
    if (text && !graphProblems.length && options.probe !== false) {
      // No cache and no run: only the padding probe (the weights' hash is not needed).
      const model = new GraphBackend(folder, text, opened.session, {
        engine: 'onnx',
        batchPolicy: { kind: 'token_budget', tokenBudget: DEFAULT_TOKEN_BUDGET },
        concurrency: 1,
        identity: '',
        device: opened.device,
        info: { model: folder.name, path: folder.path },
        configBefore: {},
        configAfter: {},
      });
      const probed = result.kind_outputs.filter((o) => o.present).map((o) => o.name);
      try {
        const probe = { left: await model.paddingProbe(probed, 'left'), right: await model.paddingProbe(probed, 'right'), tolerance: model.paddingTolerance };
        result.padding!.probe = probe;
        const side = text.paddingSide.value;
        const other: Side = side === 'left' ? 'right' : 'left';
        const changes = `padding on the ${side} (${sourceLabel(text.paddingSide)}) changes the outputs (relative difference ${number(probe[side])})`;
        // As `rmbench run` does: the other side, when it leaves the outputs alone, is used (a warning); else nothing can be trusted.
        if (probe[side] > probe.tolerance && probe[other] <= probe.tolerance) {
          warnings.push(`${changes}: padding on the ${other} does not, so rmbench run pads on the ${other}; set rmbench.padding_side to "${other}" to say so`);
        } else if (probe[side] > probe.tolerance) {
          problems.push(`${changes}: so does padding on the ${other} (${number(probe[other])}); the graph does not find the last token from attention_mask`);
        }
      } catch (err) {
        // A UserError names what is wrong with the graph's outputs (e.g. one value per token).
        problems.push(err instanceof UserError ? errorMessage(err) : `running the graph on a probe text failed: ${errorMessage(err)}`);
      }
    }
    await session.release();
  }
  return result;
}

const number = (x: number) => (x === 0 ? '0' : x.toPrecision(3));
const sourceLabel = (s: Setting<unknown>) => (s.from === 'default' ? 'the default' : s.from === 'rmbench' ? 'config.json rmbench block' : s.from);

const size = (bytes: number) =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`;
const shape = (v: ValueInfo) => `${v.name}: ${v.type} [${v.shape.join(', ')}]`;
const from = (s: Setting<unknown>) => (s.from === 'default' ? ' (default)' : ` (from ${sourceLabel(s)})`);

/** The inspection as terminal lines. */
export function renderInspection(i: Inspection): string[] {
  const lines = [`${i.name}: scorer ${i.kind}${i.model_type ? `, model_type ${i.model_type}` : ''}`, `  folder: ${i.path}`];
  lines.push(`  graph: ${i.onnx_file} (dtype ${i.dtype}); variants present: ${DTYPES.filter((d) => i.variants[d]).map((d) => `${d} ${i.variants[d]}`).join(', ')}`);
  lines.push('  files:', ...i.files.map((f) => `    ${f.file.padEnd(36)} ${size(f.bytes).padStart(10)}`));
  if (i.inputs) lines.push('  inputs:', ...i.inputs.map((v) => `    ${shape(v)}`));
  if (i.outputs) lines.push('  outputs:', ...i.outputs.map((v) => `    ${shape(v)}`));
  lines.push(`  outputs read: ${i.kind_outputs.map((o) => `${o.role} = ${o.name}${o.required ? '' : ' (optional)'}${o.present === false ? ' MISSING' : ''}`).join(', ')}`);
  if (i.prompt_inputs !== null) lines.push(`  prompt inputs: ${i.prompt_inputs ? 'yes (prompt encoded on its own, truncated keeping its end)' : 'no'}`);
  if (i.text) {
    lines.push(i.text.pair_template === null ? `  text format: ${i.text.format.value}${from(i.text.format)}` : `  pair template (rmbench.pair_template): ${JSON.stringify(i.text.pair_template)}`);
    if (i.text.chat_template_head) lines.push('  chat template (start):', ...i.text.chat_template_head.split('\n').map((l) => `    ${l}`));
    lines.push(`  special tokens added: ${i.text.add_special_tokens.value}${from(i.text.add_special_tokens)}`);
    lines.push(`  max length: ${i.text.max_length.value ?? 'none'}${from(i.text.max_length)}; truncation side: ${i.text.truncation_side.value}${from(i.text.truncation_side)}`);
  }
  if (i.bos) {
    lines.push(
      `  BOS: ${i.bos.token ?? 'none'}; template emits it: ${i.bos.template_emits ?? 'n/a'}; tokenizer adds it: ${i.bos.tokenizer_adds}${i.bos.double_bos ? ' -> double BOS, rmbench keeps one' : ''}`,
    );
  }
  if (i.pad_token) lines.push(`  pad token: ${i.pad_token.token ?? 'none'} (id ${i.pad_token.id}, from ${i.pad_token.source}); config.json pad_token_id: ${i.pad_token.config_pad_token_id ?? 'none'}`);
  if (i.padding) {
    const p = i.padding.probe;
    lines.push(`  padding side: ${i.padding.side.value}${from(i.padding.side)}${p ? `; probe (relative change when padded): left ${number(p.left)}, right ${number(p.right)} (tolerance ${p.tolerance})` : ''}`);
  }
  if (i.causal_lm) lines.push(...renderCausalLm(i.causal_lm));
  for (const note of i.notes) lines.push(`  note: ${note}`);
  for (const warning of i.warnings) lines.push(`  warning: ${warning}`);
  lines.push(i.problems.length ? `  ${i.problems.length} problem${i.problems.length > 1 ? 's' : ''}:` : '  no problems');
  for (const problem of i.problems) lines.push(`    - ${problem}`);
  return lines;
}
