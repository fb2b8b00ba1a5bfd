/**
 * @file Deterministic numbers for judge runs: the `seed` of each chat request is drawn from a hash
 * of the request's prompt and responses (src/scorers/backends/openai.ts), so a rerun, a resumed run
 * or a shard asks exactly the same questions (and hits the cache). (The chosen response's position
 * in one-order mode is drawn the same way by the seam, src/scorers/scorer.ts; reward-bench places
 * A/B unseeded, allenai/reward-bench#272.)
 */
import { createHash } from 'node:crypto';

/**
 * A number in [0, 2^31) from sha256 of the parts, each prefixed by its length so that
 * ("a", "bc") and ("ab", "c") differ. 31 bits: a `seed` every OpenAI-compatible server accepts.
 */
export function seededNumber(...parts: readonly (string | number)[]): number {
  const hash = createHash('sha256');
  for (const part of parts) {
    const text = String(part);
    hash.update(`${text.length}:${text}`);
  }
  return hash.digest().readUInt32BE(0) >>> 1;
}
