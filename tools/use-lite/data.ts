/**
 * @file Reads the real preference data under shared/data for training the USE Lite heads, and the
 * prompts of every evaluation suite they must not be trained on. Used by train.ts only (never at
 * build time). Formats: see each folder's PROVENANCE.md.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Message, Prompt } from '../../src/subsets/types.js';

/** shared/data beside the repository (CI clones the repo with shared/ next to it). */
export const DEFAULT_DATA_ROOT = resolve(import.meta.dirname, '../../../shared/data');

export type Objective = 'helpfulness' | 'harmlessness';

export interface TrainingPair {
  /** e.g. "rmb-helpfulness/Chat/Casual Conversation.json#123". */
  id: string;
  source: 'rmb-helpfulness' | 'rmb-harmlessness' | 'hh-rlhf-harmless-base-test' | 'pandalm-testset';
  objective: Objective;
  prompt: Message[];
  chosen: string;
  rejected: string;
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? jsonFiles(p) : p.endsWith('.json') ? [p] : [];
    });
}

interface RmbMessage { role: string; content: string }

function rmbMessages(conv: RmbMessage[]): Message[] {
  return conv.map((m) => ({ role: m.role === 'assistant' ? 'assistant' : m.role === 'system' ? 'system' : 'user', content: m.content }));
}

/** RMB pairwise (Pairwise_set/Helpfulness or Harmlessness): conversation_input, chosen, reject. */
export function rmbPairs(root: string, goal: 'Helpfulness' | 'Harmlessness'): TrainingPair[] {
  const dir = join(root, 'rmb/RMB_dataset/Pairwise_set', goal);
  const source = goal === 'Helpfulness' ? 'rmb-helpfulness' : 'rmb-harmlessness';
  return jsonFiles(dir).flatMap((file) =>
    (JSON.parse(readFileSync(file, 'utf8')) as { pair_uid: string; conversation_input: RmbMessage[]; chosen: { answer: string }; reject: { answer: string } }[]).map((r) => ({
      id: `${source}/${relative(dir, file)}#${r.pair_uid}`,
      source,
      objective: goal === 'Helpfulness' ? 'helpfulness' : 'harmlessness',
      prompt: rmbMessages(r.conversation_input),
      chosen: r.chosen.answer,
      rejected: r.reject.answer,
    })),
  );
}

/** "\n\nHuman: ...\n\nAssistant: ..." transcript -> messages. */
export function parseHhTranscript(text: string): Message[] {
  const parts = text.split(/\n\n(Human|Assistant): /u);
  const messages: Message[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) {
    messages.push({ role: parts[i] === 'Human' ? 'user' : 'assistant', content: parts[i + 1]!.trim() });
  }
  return messages;
}

/** HH-RLHF harmless-base test: the shared dialogue is the prompt, the last assistant turns differ. */
export function hhHarmlessPairs(root: string): TrainingPair[] {
  const raw = gunzipSync(readFileSync(join(root, 'hh-rlhf-harmless-base-test/harmless-base/test.jsonl.gz'))).toString('utf8');
  const out: TrainingPair[] = [];
  raw.split('\n').filter(Boolean).forEach((line, i) => {
    const r = JSON.parse(line) as { chosen: string; rejected: string };
    const c = parseHhTranscript(r.chosen);
    const j = parseHhTranscript(r.rejected);
    const last = (m: Message[]) => m[m.length - 1];
    if (last(c)?.role !== 'assistant' || last(j)?.role !== 'assistant') return;
    const prompt = c.slice(0, -1);
    const other = j.slice(0, -1);
    if (prompt.length === 0 || JSON.stringify(prompt) !== JSON.stringify(other)) return;
    if (last(c)!.content === last(j)!.content) return;
    out.push({ id: `hh-rlhf-harmless-base-test#${i}`, source: 'hh-rlhf-harmless-base-test', objective: 'harmlessness', prompt, chosen: last(c)!.content, rejected: last(j)!.content });
  });
  return out;
}

/** PandaLM instruction text: the instruction, then the input (if any) after a blank line. */
export function pandaPrompt(instruction: string, input: string): string {
  return input.trim() ? `${instruction}\n\n${input}` : instruction;
}

/** PandaLM test set: majority of three annotators; ties (majority 0) are left out. */
export function pandaLmPairs(root: string): TrainingPair[] {
  const rows = JSON.parse(readFileSync(join(root, 'pandalm-testset/data/testset-v1.json'), 'utf8')) as {
    idx: number; instruction: string; input: string; response1: unknown; response2: unknown; annotator1: number; annotator2: number; annotator3: number;
  }[];
  const out: TrainingPair[] = [];
  for (const r of rows) {
    const votes = [r.annotator1, r.annotator2, r.annotator3];
    const majority = [0, 1, 2].find((v) => votes.filter((x) => x === v).length >= 2);
    if (majority !== 1 && majority !== 2) continue;
    // A few responses are JSON booleans (a model answering "True"): keep them as text.
    const [response1, response2] = [String(r.response1), String(r.response2)];
    if (response1 === response2) continue;
    out.push({
      id: `pandalm-testset#${r.idx}`,
      source: 'pandalm-testset',
      objective: 'helpfulness',
      prompt: [{ role: 'user', content: pandaPrompt(r.instruction, r.input) }],
      chosen: majority === 1 ? response1 : response2,
      rejected: majority === 1 ? response2 : response1,
    });
  }
  return out;
}

export function trainingPairs(root = DEFAULT_DATA_ROOT): TrainingPair[] {
  return [...rmbPairs(root, 'Helpfulness'), ...rmbPairs(root, 'Harmlessness'), ...hhHarmlessPairs(root), ...pandaLmPairs(root)];
}

/** The prompts of every evaluation suite (training must not contain them). */
export async function evaluationPrompts(root = DEFAULT_DATA_ROOT): Promise<Record<string, Prompt[]>> {
  const buf = readFileSync(join(root, 'reward-bench-v1/sustech-nlp_BiasScope/data/rewardbench/rewardbench_filtered.parquet'));
  const rb = (await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, compressors, columns: ['question'] })) as { question: string }[];
  const rmBench = readdirSync(join(root, 'rm-bench/data'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => (JSON.parse(readFileSync(join(root, 'rm-bench/data', f), 'utf8')) as { prompt: string }[]).map((r) => r.prompt));
  const llmbar = jsonFiles(join(root, 'llmbar/Dataset')).flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { input: string }[]).map((r) => r.input));
  const autoj = readFileSync(join(root, 'autoj-pairwise-test/data/test/testdata_pairwise.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { prompt: string }).prompt);
  const bon = jsonFiles(join(root, 'rmb/RMB_dataset/BoN_set')).flatMap((f) =>
    (JSON.parse(readFileSync(f, 'utf8')) as { conversation_input: RmbMessage[] }[]).map((r) => rmbMessages(r.conversation_input)),
  );
  return {
    'reward-bench-v1': rb.map((r) => r.question),
    'rm-bench': rmBench,
    llmbar,
    'autoj-pairwise-test': autoj,
    'rmb-best-of-n': bon,
  };
}
