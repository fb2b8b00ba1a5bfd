/**
 * @file The flagged items of an analysis with their texts, as JSONL (`rmbench analyze --export`):
 * one line per item every model gets wrong or the ensemble strongly prefers the rejected response
 * of, for people to review. Texts come from the suite's files, verified as a run verifies them.
 */
import { UserError } from '../errors.js';
import { loadSubsets } from '../subsets/load.js';
import type { Suite } from '../subsets/manifest.js';
import { pairKey, type Row } from '../subsets/types.js';
import type { Analysis } from './ensemble.js';

export interface FlaggedItem {
  key: string;
  subset: string;
  id: string;
  /** "all_wrong" and/or "strongly_prefers_rejected". */
  reasons: string[];
  models_correct: number;
  models: number;
  strength: { mean: number; std: number } | null;
  /** Raw margin per model (pairs only). */
  margins: Record<string, number> | null;
  prompt: Row['prompt'];
  chosen: Row['chosen'];
  rejected: Row['rejected'];
}

export function flaggedItems(analysis: Analysis, suite: Suite): FlaggedItem[] {
  if (suite.version !== analysis.suite.version) {
    throw new UserError(`${suite.manifestPath}: suite ${suite.name} is v${suite.version}, the runs are of v${analysis.suite.version}; their texts would not match`);
  }
  const flagged = new Set(analysis.flagged);
  const wanted = [...new Set(analysis.pairs.filter((p) => flagged.has(p.key)).map((p) => p.subset))];
  const rows = new Map<string, Row>();
  for (const { rows: subsetRows } of loadSubsets(suite, { subsets: wanted })) for (const row of subsetRows) rows.set(pairKey(row), row);
  return analysis.pairs
    .filter((p) => flagged.has(p.key))
    .map((p) => {
      const row = rows.get(p.key);
      if (!row) throw new UserError(`${suite.manifestPath}: suite ${suite.name} has no item ${p.key}; the runs were not made on this data`);
      const reasons = [
        ...(p.models_correct === 0 ? ['all_wrong'] : []),
        ...(p.strength && p.strength.mean < -analysis.strong_threshold ? ['strongly_prefers_rejected'] : []),
      ];
      return {
        key: p.key,
        subset: p.subset,
        id: p.id,
        reasons,
        models_correct: p.models_correct,
        models: analysis.models.length,
        strength: p.strength,
        margins: p.margins && Object.fromEntries(analysis.models.map((m, i) => [m, p.margins![i]!])),
        prompt: row.prompt,
        chosen: row.chosen,
        rejected: row.rejected,
      };
    });
}

export const toJsonl = (items: readonly unknown[]): string => items.map((x) => `${JSON.stringify(x)}\n`).join('');
