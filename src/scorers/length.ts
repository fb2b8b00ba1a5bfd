/**
 * @file The `length` baseline: score = number of characters (Unicode code points, as Python's
 * len) of the response; longer is preferred. A sanity oracle: it scores 99/100 on RewardBench's
 * alpacaeval-easy, so a suite with swapped chosen/rejected columns shows at once.
 */
import { emptyStats, type ResponseInput, type ResponseOutputs, type Scorer } from './types.js';

export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

export function createLengthScorer(): Scorer {
  const stats = emptyStats();
  return {
    info: { kind: 'length', model: 'length', config: { unit: 'unicode code points of the response', preferred: 'longer' } },
    stats,
    async scoreResponses(inputs: readonly ResponseInput[], onProgress) {
      stats.responses += inputs.length;
      const out = inputs.map((x) => ({ score: codePointLength(x.response) }));
      onProgress?.(inputs.length, inputs.length);
      return out;
    },
    prefer: (a: ResponseOutputs, b: ResponseOutputs) => a.score! - b.score!,
    async dispose() {},
  };
}
