/** Compares windowed with whole-text tokenisation (src/scorers/tokenize.ts keptContent). */
import { keptContent, type Side } from '../../src/scorers/tokenize.js';

/**
 * Windows starting at each of `firstWindows` (undefined: the default) against whole-text
 * tokenisation, on one side of each text; counts the texts decided by windows of the first size.
 */
export function compareWindowed(encode: (text: string) => number[], texts: readonly string[], side: Side, need: number, firstWindows: readonly (number | undefined)[]) {
  let windowed = 0;
  const mismatches: string[] = [];
  for (const text of texts) {
    const whole = encode(text);
    firstWindows.forEach((firstWindow, i) => {
      const kept = keptContent((t) => (t === text ? whole : encode(t)), text, side, need, firstWindow);
      if (kept.whole) return;
      if (i === 0) windowed++;
      const expected = side === 'left' ? whole.slice(whole.length - kept.ids.length) : whole.slice(0, kept.ids.length);
      if (whole.length <= need || kept.ids.join() !== expected.join()) mismatches.push(`first window ${firstWindow ?? 'default'}: ${text.slice(0, 80)}`);
    });
  }
  return { windowed, mismatches };
}
