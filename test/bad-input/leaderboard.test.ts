/**
 * `rmbench leaderboard` refuses runs of one suite version and one dataset that were scored another
 * way (review round 2, defect 11): other subset or section weights, or another best-of-n tie rule.
 * Through the real CLI: exit 1, one line naming both files, nothing written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rmbench } from '../helpers/cli.js';
import { set, writeMixedSuite } from '../helpers/mixed-suite.js';
import { expectRefusal } from '../helpers/refusal.js';
import { tempDir, writeSuite } from '../helpers/suite.js';

/** Runs the length baseline on the suite of `manifest` after `edit` changed how it is scored (not its data). */
function runEdited(dir: string, manifest: string, suite: string, name: string, edit: (suite: { subsets: { weight: number }[]; sections: Record<string, { weight: number }>; best_of_n_ties?: string }) => void = () => {}): string {
  const data = JSON.parse(readFileSync(manifest, 'utf8'));
  edit(data.suites[suite]);
  const edited = join(dir, `${name}.manifest.json`);
  writeFileSync(edited, JSON.stringify(data));
  const out = join(dir, `${name}.json`);
  const r = rmbench(['run', 'length', '--suite', suite, '--manifest', edited, '--out', out, '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

describe('leaderboard refuses runs whose scoring layout differs (defect 11)', () => {
  it('other subset weights, other section weights', () => {
    const dir = tempDir('rmbench-board-');
    const rows = ['a', 'b', 'c'].map((w, i) => ({ id: String(i), prompt: `q ${w}`, chosen: `long ${w}`, rejected: w }));
    const manifest = writeSuite(dir, 'mini', [
      { name: 's1', section: 'First', rows },
      { name: 's2', section: 'Second', rows },
    ]);
    const plain = runEdited(dir, manifest, 'mini', 'plain');
    const subsetWeight = runEdited(dir, manifest, 'mini', 'subset-weight', (s) => (s.subsets[0]!.weight = 10));
    const sectionWeight = runEdited(dir, manifest, 'mini', 'section-weight', (s) => (s.sections.First!.weight = 2));
    const out = join(dir, 'board.json');
    const message = (file: string) => new RegExp(`${file}\\.json: its subsets, section or subset weights, metrics or best-of-n tie rule differ from .*plain\\.json; a leaderboard ranks runs scored one way`);
    expectRefusal(dir, () => rmbench(['leaderboard', plain, subsetWeight, '--out', out]), 1, message('subset-weight'));
    expectRefusal(dir, () => rmbench(['leaderboard', plain, sectionWeight, '--out', out]), 1, message('section-weight'));
  });

  it('another best-of-n tie rule', () => {
    const dir = tempDir('rmbench-board-');
    const manifest = writeMixedSuite(dir, 'bon', [{ name: 'bon', metric: 'best-of-n', rows: [set('bon', '1', ['aaaa'], ['a', 'aaaa']), set('bon', '2', ['aaa'], ['a', 'aa'])] }]);
    const shared = runEdited(dir, manifest, 'bon', 'shared');
    const wrong = runEdited(dir, manifest, 'bon', 'wrong', (s) => (s.best_of_n_ties = 'wrong'));
    expectRefusal(dir, () => rmbench(['leaderboard', shared, wrong, '--out', join(dir, 'board.json')]), 1, /wrong\.json: its subsets, .*best-of-n tie rule differ from .*shared\.json/);
  });
});
