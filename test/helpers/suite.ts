/** Builds real suites (Arrow files + manifest) in temporary folders for tests. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rowsToArrow, sha256 } from '../../src/subsets/arrow.js';
import type { PairRow } from '../../src/subsets/types.js';

export const tempDir = (prefix = 'rmbench-test-') => mkdtempSync(join(tmpdir(), prefix));

export interface FixtureSubset {
  name: string;
  section: string;
  weight?: number;
  rows: Omit<PairRow, 'subset'>[];
}

/** Writes datasets/<suite>/<subset>.arrow files and datasets.manifest.json; returns the manifest path. */
export function writeSuite(dir: string, suite: string, subsets: FixtureSubset[], sectionWeights?: Record<string, number>): string {
  mkdirSync(join(dir, 'datasets', suite), { recursive: true });
  const sections = Object.fromEntries(
    [...new Set(subsets.map((s) => s.section))].map((name) => [name, { weight: sectionWeights?.[name] ?? 1 }]),
  );
  const entries = subsets.map((s) => {
    const bytes = rowsToArrow(s.rows.map((r) => ({ ...r, subset: s.name })));
    const file = `datasets/${suite}/${s.name}.arrow`;
    writeFileSync(join(dir, file), bytes);
    return { name: s.name, file, sha256: sha256(bytes), rows: s.rows.length, section: s.section, weight: s.weight ?? s.rows.length, metric: 'pairwise' };
  });
  const path = join(dir, 'datasets.manifest.json');
  writeFileSync(path, JSON.stringify({ manifest_version: 1, suites: { [suite]: { version: '1', sections, subsets: entries } } }, null, 2));
  return path;
}
