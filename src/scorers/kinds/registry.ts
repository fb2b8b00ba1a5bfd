/**
 * @file The kinds of reward, by the name a model folder's rmbench.scorer gives (and the `length`
 * baseline's). Adding a kind is one file in this folder and one line here.
 */
import type { ScorerKind } from '../model-folder.js';
import type { Kind } from '../types.js';
import { armorm } from './armorm.js';
import { bradleyTerry } from './bradley-terry.js';
import { dpo } from './dpo.js';
import { gpm } from './gpm.js';
import { judge } from './judge.js';
import { length } from './length.js';
import { pairwise } from './pairwise.js';

export const KINDS: Record<ScorerKind | 'length', Kind<any>> = {
  'bradley-terry': bradleyTerry,
  armorm,
  gpm,
  dpo,
  judge,
  pairwise,
  length,
};

/** The kind of a results file's model_type, or undefined for a kind this rmbench does not know. */
export function kindNamed(name: string): Kind<any> | undefined {
  return Object.hasOwn(KINDS, name) ? KINDS[name as keyof typeof KINDS] : undefined;
}
