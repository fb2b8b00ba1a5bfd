/**
 * @file The texts the USE Lite reward models read, built from the harness's own formats
 * (src/scorers/format.ts) so that training and evaluation inputs are the same strings.
 */
import { formatPlain, formatPlainPrompt, formatQuestion } from '../../src/scorers/format.js';

/**
 * formatPlain: the response texts. formatPromptPlain: the prompt alone, for the prompt inputs
 * (prompt_input_ids / prompt_attention_mask) of use-lite-armo and use-lite-gpm: every prompt turn
 * as formatPlain renders it, without the final "\n\nAssistant: <response>" line ("User: p" for a
 * plain-string prompt p). formatQuestion: the `question` of use-lite-pairpm's pair template.
 */
export { formatPlain, formatPlainPrompt as formatPromptPlain, formatQuestion };
