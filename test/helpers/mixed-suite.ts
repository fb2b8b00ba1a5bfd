/** Suites whose subsets use any metric (test/helpers/suite.ts writes pairwise ones only). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rowsToArrow, sha256 } from '../../src/subsets/arrow.js';
import type { MetricKind, Row } from '../../src/subsets/types.js';

export interface MixedSubset {
  name: string;
  metric: MetricKind;
  rows: Row[];
}

/** Writes datasets/<suite>/<subset>.arrow and datasets.manifest.json (one section, weights = row counts). */
export function writeMixedSuite(dir: string, suite: string, subsets: MixedSubset[]): string {
  mkdirSync(join(dir, 'datasets', suite), { recursive: true });
  const entries = subsets.map((s) => {
    const bytes = rowsToArrow(s.rows);
    const file = `datasets/${suite}/${s.name}.arrow`;
    writeFileSync(join(dir, file), bytes);
    return { name: s.name, file, sha256: sha256(bytes), rows: s.rows.length, section: 'all', weight: s.rows.length, metric: s.metric };
  });
  const path = join(dir, 'datasets.manifest.json');
  writeFileSync(path, JSON.stringify({ manifest_version: 1, suites: { [suite]: { version: '1', sections: { all: { weight: 1 } }, subsets: entries } } }));
  return path;
}

export const pair = (subset: string, id: string, chosen: string, rejected: string, tie?: boolean): Row => ({ id, subset, prompt: 'q', chosen, rejected, ...(tie ? { tie } : {}) });
export const set = (subset: string, id: string, chosen: string[], rejected: string[]): Row => ({ id, subset, prompt: 'q', chosen, rejected });
