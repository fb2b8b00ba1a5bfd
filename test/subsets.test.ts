import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Int32, Table, Utf8, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rowsToArrow, readSubsetFile } from '../src/subsets/arrow.js';
import { loadSubsets } from '../src/subsets/load.js';
import { readManifest, resolveSuite, validateManifest } from '../src/subsets/manifest.js';
import type { PairRow } from '../src/subsets/types.js';
import { tempDir, writeSuite } from './helpers/suite.js';

const rows: PairRow[] = [
  { id: '1', subset: 's', prompt: 'What is 2+2?', chosen: '4', rejected: '5' },
  {
    id: '2',
    subset: 's',
    prompt: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Bye' },
    ],
    chosen: 'Goodbye!',
    rejected: '...',
  },
];

function writeTable(columns: Record<string, Vector>): string {
  const path = join(tempDir(), 'bad.arrow');
  writeFileSync(path, tableToIPC(new Table(columns), 'file'));
  return path;
}
const utf8 = (values: (string | null)[]) => vectorFromArray(values, new Utf8());

describe('Arrow subset files', () => {
  it('round-trips string and multi-turn prompts', () => {
    const path = join(tempDir(), 's.arrow');
    writeFileSync(path, rowsToArrow(rows));
    expect(readSubsetFile(path, { subset: 's', rows: 2 })).toEqual([
      { ...rows[0], prompt: [{ role: 'user', content: 'What is 2+2?' }] },
      rows[1],
    ]);
  });

  it.each([
    ['a missing column', { id: utf8(['1']), subset: utf8(['s']), prompt: utf8(['p']), a: utf8(['x']), b: utf8(['y']) }, /column "chosen" missing \(found: id, subset, prompt, a, b\)/],
    ['a mistyped column', { id: vectorFromArray([1], new Int32()), subset: utf8(['s']), prompt: utf8(['p']), chosen: utf8(['x']), rejected: utf8(['y']) }, /column "id" has type Int32, expected utf8/],
    ['a null cell', { id: utf8(['1']), subset: utf8(['s']), prompt: utf8(['p']), chosen: utf8([null]), rejected: utf8(['y']) }, /row 0, column "chosen": null, expected a string/],
    ['a duplicate id', { id: utf8(['7', '7']), subset: utf8(['s', 's']), prompt: utf8(['p', 'q']), chosen: utf8(['x', 'x']), rejected: utf8(['y', 'y']) }, /row 1, column "id": duplicate id "7" \(also row 0\)/],
    ['a row of another subset', { id: utf8(['1']), subset: utf8(['t']), prompt: utf8(['p']), chosen: utf8(['x']), rejected: utf8(['y']) }, /row 0, column "subset": "t", expected "s"/],
    ['an empty subset', { id: utf8([]), subset: utf8([]), prompt: utf8([]), chosen: utf8([]), rejected: utf8([]) }, /subset "s" is empty \(0 rows\)/],
  ])('names the file, row and column for %s', (_name, columns, message) => {
    const path = writeTable(columns as unknown as Record<string, Vector>);
    expect(() => readSubsetFile(path, { subset: 's' })).toThrow(message);
    expect(() => readSubsetFile(path, { subset: 's' })).toThrow(path);
  });

  it('rejects a file that is not Arrow, and a missing file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.arrow'), 'not arrow at all');
    expect(() => readSubsetFile(join(dir, 'x.arrow'), { subset: 's' })).toThrow(/x\.arrow: not an Arrow IPC file/);
    expect(() => readSubsetFile(join(dir, 'nope.arrow'), { subset: 's' })).toThrow(/nope\.arrow: cannot read subset file "s" \(ENOENT\)/);
  });

  it('keeps extra columns out of the rows', () => {
    const path = writeTable({ id: utf8(['1']), subset: utf8(['s']), prompt: utf8(['p']), chosen: utf8(['x']), rejected: utf8(['y']), chosen_model: utf8(['m']) });
    expect(readSubsetFile(path, { subset: 's' })).toEqual([{ id: '1', subset: 's', prompt: 'p', chosen: 'x', rejected: 'y' }]);
  });
});

describe('response sets and tie labels', () => {
  const set = (id: string, chosen: string[], rejected: string[]) => ({ id, subset: 's', prompt: 'p', chosen, rejected });

  it('round-trips set rows and tie labels', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'sets.arrow'), rowsToArrow([set('1', ['a'], ['b', 'c', 'd'])]));
    expect(readSubsetFile(join(dir, 'sets.arrow'), { subset: 's', metric: 'best-of-n' })).toEqual([set('1', ['a'], ['b', 'c', 'd'])]);
    writeFileSync(join(dir, 'ties.arrow'), rowsToArrow([{ ...rows[0]!, tie: true }, { ...rows[0]!, id: '9' }]));
    const read = readSubsetFile(join(dir, 'ties.arrow'), { subset: 's' });
    expect(read.map((r) => (r as { tie?: boolean }).tie)).toEqual([true, undefined]);
  });

  it.each([
    ['best-of-n', set('1', ['a', 'b'], ['c']), /row 0: best-of-n needs 1 chosen and at least 1 rejected, found 2 and 1/],
    ['style-matrix', set('1', ['a', 'b', 'c'], ['d', 'e']), /row 0: style-matrix needs as many chosen as rejected variants \(>= 2\), found 3 and 2/],
    ['rb2-ties', set('7', ['a'], ['b']), /row 0: rb2-ties ids are ref:<prompt id> or tied:<prompt id>, found "7"/],
  ] as const)('checks the %s shape of each row', (metric, row, message) => {
    const path = join(tempDir(), 'x.arrow');
    writeFileSync(path, rowsToArrow([row]));
    expect(() => readSubsetFile(path, { subset: 's', metric })).toThrow(message);
  });

  it('names a pairwise file read as a set metric', () => {
    const path = join(tempDir(), 'p.arrow');
    writeFileSync(path, rowsToArrow(rows));
    expect(() => readSubsetFile(path, { subset: 's', metric: 'best-of-n' })).toThrow(/column "chosen" has type Utf8, expected list<utf8> \(metric best-of-n\)/);
  });
});

describe('manifest and suite loading', () => {
  const fixture = () => {
    const dir = tempDir();
    const manifest = writeSuite(dir, 'toy', [
      { name: 'a', section: 'A', rows: [rows[0]!, { ...rows[0]!, id: '2' }] },
      { name: 'b', section: 'B', rows: [rows[1]!] },
    ]);
    return { dir, manifest };
  };

  it('loads every subset with checksums verified, and honours --subsets and --limit', () => {
    const { manifest } = fixture();
    const suite = resolveSuite(manifest, 'toy');
    expect(loadSubsets(suite).map((s) => [s.entry.name, s.rows.length])).toEqual([['a', 2], ['b', 1]]);
    expect(loadSubsets(suite, { subsets: ['b'] }).map((s) => s.entry.name)).toEqual(['b']);
    expect(loadSubsets(suite, { limit: 1 }).map((s) => [s.rows.length, s.totalRows])).toEqual([[1, 2], [1, 1]]);
    expect(() => loadSubsets(suite, { subsets: ['zzz'] })).toThrow(/suite "toy" has no subset "zzz" \(available: a, b\)/);
  });

  it('detects a checksum mismatch and a row-count mismatch', () => {
    const { dir, manifest } = fixture();
    const data = JSON.parse(readFileSync(manifest, 'utf8'));
    data.suites.toy.subsets[0].rows = 3;
    writeFileSync(manifest, JSON.stringify(data));
    expect(() => loadSubsets(resolveSuite(manifest, 'toy'))).toThrow(/a\.arrow: has 2 rows, the manifest expects 3/);
    writeFileSync(join(dir, 'datasets/toy/b.arrow'), rowsToArrow([{ ...rows[1]!, subset: 'b', chosen: 'changed' }]));
    expect(() => loadSubsets(resolveSuite(manifest, 'toy'), { subsets: ['b'] })).toThrow(/b\.arrow: sha256 is [0-9a-f]{64}, the manifest expects [0-9a-f]{64}/);
    rmSync(join(dir, 'datasets/toy/b.arrow'));
    expect(() => loadSubsets(resolveSuite(manifest, 'toy'), { subsets: ['b'] })).toThrow(/b\.arrow: cannot read subset file "b" \(ENOENT\)/);
  });

  it('lists every manifest problem with its path', () => {
    const { problems } = validateManifest({
      manifest_version: 1,
      suites: {
        x: {
          version: '1',
          sections: { A: { weight: 1 }, Empty: { weight: 1 } },
          subsets: [
            { name: 'a', file: 'a.arrow', sha256: 'nothex', rows: 1, section: 'A', weight: 1, metric: 'pairwise' },
          ],
        },
      },
    });
    expect(problems).toEqual(['suites.x.subsets.0.sha256: a lowercase hex sha256']);
    const second = validateManifest({
      manifest_version: 1,
      suites: { x: { version: '1', sections: { A: { weight: 1 }, Empty: { weight: 1 } }, subsets: [
        { name: 'a', file: 'a.arrow', sha256: 'a'.repeat(64), rows: 1, section: 'Z', weight: 1, metric: 'pairwise' },
      ] } },
    });
    expect(second.problems).toEqual([
      'suites.x.subsets.0.section: "Z" is not among the suite\'s sections (A, Empty)',
      'suites.x.sections.A: no subset belongs to it',
      'suites.x.sections.Empty: no subset belongs to it',
    ]);
  });

  it('names the suites a manifest has when one is unknown', () => {
    const { manifest } = fixture();
    expect(() => resolveSuite(manifest, 'nope')).toThrow(/no suite "nope" \(available: toy\)/);
    expect(readManifest(manifest).suites.toy!.subsets).toHaveLength(2);
  });
});
