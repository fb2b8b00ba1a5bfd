/**
 * @file The text a graph reads for an input (graph.ts). A response graph reads the folder's text
 * format of prompt + response (text-setup.ts), and the prompt alone when it has prompt inputs. A
 * pair graph (a pairwise model: config.json's rmbench.pair_template) reads ONE text holding the
 * prompt and both responses: the template rendered verbatim (verbatimTemplate: no autoescaping, no
 * trimming) with `question` (formatQuestion), `response_a` and `response_b`, the responses
 * unchanged. Either text is then tokenised with the folder's text setup (add_special_tokens,
 * max_length, truncation side) like any other. An input of the other unit is a one-line error.
 */
import type { Template } from '@huggingface/jinja';
import { UserError, errorMessage } from '../../errors.js';
import { freeVariables } from '../../judge/template-variables.js';
import { formatQuestion, verbatimTemplate } from '../format.js';
import type { ModelFolder } from '../model-folder.js';
import type { TextSetup } from '../text-setup.js';
import { isPairInput, singleResponse, type PairInput, type ScoreInput } from '../types.js';

/** The variables of a pair template. */
export const PAIR_VARIABLES = ['question', 'response_a', 'response_b'] as const;

export interface GraphText {
  /** The text the graph reads for an input, then "\u0000" and the prompt's text for graphs with prompt inputs. */
  key(input: ScoreInput): string;
  /** A short and a long input of the graph's unit, with different prompts, for the padding probe. */
  probes: readonly [ScoreInput, ScoreInput];
  /** Results' config entries that say how the text is made, over the text setup's. */
  config: Record<string, unknown>;
}

const PROBE_PROMPTS = ['Hi', 'Could you explain, in a few sentences, why the sky looks blue during the day?'] as const;
const PROBE_RESPONSES = [
  ['Hello.', 'Hey.'],
  [
    'Sunlight is scattered by the molecules of the air, and blue light is scattered much more than red light, so the sky looks blue.',
    'Because the air scatters blue light more than the other colours of sunlight.',
  ],
] as const;

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * A pair template's renderer, checked once: Jinja syntax, variables other than question /
 * response_a / response_b, a response the template leaves out (every pair would tie), a trial render.
 * `where` names the field in errors.
 */
export function compilePairTemplate(source: string, where: string): (input: PairInput) => string {
  let template: Template;
  try {
    template = verbatimTemplate(source);
  } catch (err) {
    throw new UserError(`${where}: Jinja syntax error: ${oneLine(errorMessage(err))}`);
  }
  const used = freeVariables(template.parsed);
  const unknown = used.filter((name) => !(PAIR_VARIABLES as readonly string[]).includes(name));
  if (unknown.length) throw new UserError(`${where}: unknown variable ${unknown.map((n) => `"${n}"`).join(', ')} (a pair template has ${PAIR_VARIABLES.join(', ')})`);
  const unseen = PAIR_VARIABLES.filter((name) => name !== 'question' && !used.includes(name));
  if (unseen.length) throw new UserError(`${where}: the template never uses ${unseen.join(', ')}: the model would not read both responses`);
  const render = (input: PairInput): string => {
    try {
      return template.render({ question: formatQuestion(input.prompt), response_a: input.a, response_b: input.b });
    } catch (err) {
      throw new UserError(`${where}: rendering failed: ${oneLine(errorMessage(err))}`);
    }
  };
  render({ prompt: 'question', a: 'response_a', b: 'response_b' });
  return render;
}

/** How a folder's graph turns inputs into text; `promptInputs`: the graph reads the prompt alone too. */
export function graphText(folder: ModelFolder, text: TextSetup, promptInputs: boolean): GraphText {
  const source = folder.rmbench.pair_template;
  if (source === undefined) {
    return {
      key(scored) {
        const input = singleResponse(scored, folder.onnxPath);
        const full = text.text(input.prompt, input.response);
        return promptInputs ? `${full}\u0000${text.promptText(input.prompt)}` : full;
      },
      probes: [0, 1].map((i) => ({ prompt: PROBE_PROMPTS[i]!, response: PROBE_RESPONSES[i]![0] })) as [ScoreInput, ScoreInput],
      config: {},
    };
  }
  if (promptInputs) throw new UserError(`${folder.onnxPath}: a pair graph (rmbench.pair_template) reads one text; rmbench feeds prompt inputs (prompt_input_ids) to response graphs only`);
  const render = compilePairTemplate(source, `${folder.path}/config.json: rmbench.pair_template`);
  return {
    key(input) {
      if (!isPairInput(input)) throw new UserError(`${folder.onnxPath}: this graph reads two responses together (rmbench.pair_template); the kind scores one response at a time`);
      return render(input);
    },
    probes: [0, 1].map((i) => ({ prompt: PROBE_PROMPTS[i]!, a: PROBE_RESPONSES[i]![0], b: PROBE_RESPONSES[i]![1] })) as [ScoreInput, ScoreInput],
    config: { text_format: 'pair_template', pair_template: source },
  };
}
