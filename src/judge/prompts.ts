/**
 * @file The default judge prompts, as Jinja templates `{system, user}`: MT-Bench's pairwise prompt
 * exactly as reward-bench sends it, and MT-Bench's single-answer (rating) prompt.
 *
 * Pairwise: `prompt_v2` (system) and `MTBENCH_V2["prompt_template"]` (user) from
 * allenai/reward-bench rewardbench/generative.py at 2560a78c8d026302205f057678c38e53887e25e9
 * (the same text at 0362d99d8f1a7a77550ceb2e1e00681ab4c1a202). reward-bench removed MT-Bench's tie
 * option from it, so this prompt asks for [[A]] or [[B]] only; a judge that still answers [[C]] is
 * scored as a tie (verdict.ts).
 *
 * Rating: reward-bench's generative.py has no MT-Bench single-answer prompt (its RewardBench 2
 * `ratings_prompt` asks for a bare trailing number, which the `[[N]]` verdict rule cannot read), so
 * the rating default is MT-Bench's own `single-v1` from lm-sys/FastChat
 * fastchat/llm_judge/data/judge_prompts.jsonl at 0e6e7fdc78bf64aceea1508694ce4e6472810b8b, which
 * asks for "Rating: [[5]]".
 *
 * The Python `str.format` fields become Jinja variables: `{question}` → `{{ question }}`,
 * `{answer_a}`/`{answer_b}` → `{{ response_a }}`/`{{ response_b }}`, `{answer}` → `{{ response }}`.
 * The texts hold no `{{`, `{%` or `{#`, so Jinja passes every other character through unchanged.
 */

export const JUDGE_MODES = ['pairwise', 'rating'] as const;
/** pairwise: the judge reads both responses and names the better; rating: it rates one response. */
export type JudgeMode = (typeof JUDGE_MODES)[number];

/** A judge prompt: Jinja source for the system message (optional) and the only user message. */
export interface JudgeTemplate {
  system?: string;
  user: string;
}

/** The variables each mode's templates may use (and must use: the responses, see template.ts). */
export const TEMPLATE_VARIABLES = {
  pairwise: ['question', 'response_a', 'response_b'],
  rating: ['question', 'response'],
} as const satisfies Record<JudgeMode, readonly string[]>;

/** Values of one render: question (the prompt, see formatQuestion in src/scorers/format.ts) and the response(s), unchanged. */
export type TemplateVariables = { pairwise: { question: string; response_a: string; response_b: string }; rating: { question: string; response: string } };

const MTBENCH_PAIRWISE_SYSTEM =
  'Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the user question displayed below. ' +
  "You should choose the assistant that follows the user's instructions and answers the user's question better. " +
  'Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of their responses. ' +
  'Begin your evaluation by comparing the two responses and provide a short explanation. ' +
  'Avoid any position biases and ensure that the order in which the responses were presented does not influence your decision. ' +
  'Do not allow the length of the responses to influence your evaluation. Do not favor certain names of the assistants. ' +
  'Be as objective as possible. ' +
  'After providing your explanation, output your final verdict by strictly following this format: ' +
  '"[[A]]" if assistant A is better, "[[B]]" if assistant B is better.';

const MTBENCH_PAIRWISE_USER =
  "[User Question]\n{{ question }}\n\n[The Start of Assistant A's Answer]\n{{ response_a }}\n[The End of Assistant A's Answer]\n\n" +
  "[The Start of Assistant B's Answer]\n{{ response_b }}\n[The End of Assistant B's Answer]";

const MTBENCH_SINGLE_SYSTEM = 'You are a helpful assistant.';

const MTBENCH_SINGLE_USER =
  '[Instruction]\nPlease act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below. ' +
  'Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of the response. ' +
  'Begin your evaluation by providing a short explanation. Be as objective as possible. ' +
  'After providing your explanation, you must rate the response on a scale of 1 to 10 by strictly following this format: "[[rating]]", for example: "Rating: [[5]]".\n\n' +
  "[Question]\n{{ question }}\n\n[The Start of Assistant's Answer]\n{{ response }}\n[The End of Assistant's Answer]";

/** The template each mode uses without `--judge-template`. */
export const DEFAULT_TEMPLATES: Record<JudgeMode, JudgeTemplate> = {
  pairwise: { system: MTBENCH_PAIRWISE_SYSTEM, user: MTBENCH_PAIRWISE_USER },
  rating: { system: MTBENCH_SINGLE_SYSTEM, user: MTBENCH_SINGLE_USER },
};
