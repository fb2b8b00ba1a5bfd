/**
 * Outputs that would overwrite inputs, outputs under a file, FIFO inputs, and what a failed
 * multi-file write leaves (review round 2, defects 3-6 and 12). Through the real CLI where a user
 * can reach it: exit code, one line, no stack trace, nothing written or changed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { replaceFiles, writeFilesAtomic } from '../../src/io.js';
import { rmbench } from '../helpers/cli.js';
import { expectRefusal } from '../helpers/refusal.js';
import { tempDir, writeSuite } from '../helpers/suite.js';

/** A reader that opened a FIFO would wait forever; a fixed bound turns that into a failed test. */
const FIFO_BOUND_MS = 10_000;
const mkfifo = (path: string) => execFileSync('mkfifo', [path]);

describe('outputs never overwrite inputs, and file-system failures are one line', () => {
  const work = tempDir('rmbench-files-');
  const path = (...names: string[]) => join(work, ...names);
  let manifest = '';
  /** `rmbench run length` writes mini/length.json: where `export --format eee --out-dir WORK` writes. */
  const results = () => path('mini', 'length.json');
  const scores = () => path('mini', 'length.scores.jsonl');

  beforeAll(() => {
    manifest = writeSuite(path('data'), 'mini', [
      { name: 's', section: 'all', rows: ['a', 'b', 'c', 'd'].map((w, i) => ({ id: String(i), prompt: `q ${w}`, chosen: `long answer ${w}`, rejected: w })) },
    ]);
    const r = rmbench(['run', 'length', '--suite', 'mini', '--manifest', manifest, '--out', results(), '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const exported = rmbench(['export', results(), '--format', 'reward-bench', '--out-dir', path('rb')]);
    expect(exported.code, exported.stderr).toBe(0);
  }, 30_000);

  it('defect 3: leaderboard --out or --markdown onto a ranked run\'s scores file is refused', () => {
    expectRefusal(work, () => rmbench(['leaderboard', results(), '--out', scores()]), 1, /--out .*length\.scores\.jsonl would overwrite the scores of .*length\.json/);
    expectRefusal(work, () => rmbench(['leaderboard', results(), '--out', path('board.json'), '--markdown', scores()]), 1, /--markdown .*length\.scores\.jsonl would overwrite the scores of/);
  });

  it('defect 4: export onto its own input results file, or into an --out-dir under a file, is refused', () => {
    expectRefusal(work, () => rmbench(['export', results(), '--format', 'eee', '--out-dir', work]), 1, /--out-dir .*mini.length\.json would overwrite the input results file/);
    expectRefusal(work, () => rmbench(['export', results(), '--format', 'reward-bench', '--out-dir', join(results(), 'sub')]), 1, /--out-dir .*: .*length\.json is not a directory/);
  });

  it('defect 4: data import into an --out-dir under a file names the path and the error code', () => {
    writeFileSync(path('pairs.jsonl'), `${JSON.stringify({ prompt: 'q', chosen: 'a', rejected: 'b' })}\n`);
    writeFileSync(path('blocker'), 'a file, not a folder');
    expectRefusal(work, () => rmbench(['data', 'import', 'pairs.jsonl', '--suite', 'mine', '--subset', 's', '--manifest', 'datasets.manifest.json', '--out-dir', 'blocker/sub'], work), 1, /cannot write .*blocker.sub.s\.arrow \((ENOTDIR|EEXIST): .*blocker is not a directory\)/);
  });

  it('defect 5: import-results refuses --scores equal to --out, and --out or --scores onto its input file', () => {
    const input = path('rb', 'eval-set-scores', 'length.json');
    const copy = path('rb-copy.json');
    writeFileSync(copy, readFileSync(input));
    expectRefusal(work, () => rmbench(['import-results', copy, '--suite', 'mini', '--manifest', manifest, '--out', path('r.json'), '--scores', path('r.json')]), 1, /--scores .*r\.json would overwrite --out/);
    expectRefusal(work, () => rmbench(['import-results', copy, '--suite', 'mini', '--manifest', manifest, '--out', copy]), 1, /--out .*rb-copy\.json would overwrite the input eval-set-scores file/);
    expectRefusal(work, () => rmbench(['import-results', copy, '--suite', 'mini', '--manifest', manifest, '--out', path('r.json'), '--scores', copy]), 1, /--scores .*rb-copy\.json would overwrite the input eval-set-scores file/);
  });

  describe('defect 6: a FIFO input is refused without being opened', () => {
    const fifos = tempDir('rmbench-fifo-');
    const fifo = (name: string) => {
      const p = join(fifos, name);
      if (!existsSync(p)) mkfifo(p);
      return p;
    };

    it('as the data of data import', () => {
      const input = fifo('pairs.jsonl');
      const r = expectRefusal(fifos, () => rmbench(['data', 'import', input, '--suite', 'mine', '--subset', 's', '--manifest', join(fifos, 'm.json')], fifos, {}, FIFO_BOUND_MS), 1, /pairs\.jsonl: cannot read the data \(not a regular file\)/);
      expect(r.code).not.toBeNull();
    });

    it('as a results file (report, leaderboard) and as the scores file a results file names', () => {
      const input = fifo('results.json');
      expectRefusal(fifos, () => rmbench(['report', input, '--html', join(fifos, 'report.html')], fifos, {}, FIFO_BOUND_MS), 1, /results\.json: cannot read results \(not a regular file\)/);
      expectRefusal(fifos, () => rmbench(['leaderboard', input, '--out', join(fifos, 'board.json')], fifos, {}, FIFO_BOUND_MS), 1, /results\.json: cannot read results \(not a regular file\)/);
      const named = JSON.parse(readFileSync(results(), 'utf8'));
      writeFileSync(join(fifos, 'r.json'), JSON.stringify({ ...named, scores_file: 'scores.jsonl' }));
      fifo('scores.jsonl');
      expectRefusal(fifos, () => rmbench(['export', join(fifos, 'r.json'), '--format', 'eee', '--out-dir', join(fifos, 'out')], fifos, {}, FIFO_BOUND_MS), 1, /scores\.jsonl: cannot read the per-pair scores named by .*r\.json \(not a regular file\)/);
    });

    it('as a subset file, a manifest, and an eval-set-scores file', () => {
      const entry = { name: 's', file: 'data.arrow', sha256: '0'.repeat(64), rows: 1, section: 'all', weight: 1, metric: 'pairwise' };
      writeFileSync(join(fifos, 'subset.manifest.json'), JSON.stringify({ manifest_version: 1, suites: { x: { version: '1', sections: { all: { weight: 1 } }, subsets: [entry] } } }));
      fifo('data.arrow');
      const [manifestFifo, scoresFifo] = [fifo('manifest.json'), fifo('es.json')];
      expectRefusal(fifos, () => rmbench(['run', 'length', '--suite', 'x', '--manifest', 'subset.manifest.json', '--out', 'out.json', '--no-progress'], fifos, {}, FIFO_BOUND_MS), 1, /data\.arrow: cannot read subset file "s" \(not a regular file\)/);
      expectRefusal(fifos, () => rmbench(['data', 'list', '--manifest', manifestFifo], fifos, {}, FIFO_BOUND_MS), 1, /manifest\.json: cannot read the dataset manifest \(not a regular file\)/);
      expectRefusal(fifos, () => rmbench(['import-results', scoresFifo, '--suite', 'mini', '--manifest', manifest, '--out', join(fifos, 'imported.json')], fifos, {}, FIFO_BOUND_MS), 1, /es\.json: cannot read the eval-set-scores file \(not a regular file\)/);
    });
  });
});

describe('defect 12: a failed rename puts back every file already replaced', () => {
  it('replaceFiles restores the first target when the second rename fails, and removes the staged files', () => {
    const dir = tempDir('rmbench-replace-');
    const [first, second] = [join(dir, 'results.json'), join(dir, 'results.scores.jsonl')];
    writeFileSync(first, 'old results');
    writeFileSync(second, 'old scores');
    writeFileSync(join(dir, 'staged-1'), 'new results');
    // The second staged file does not exist: its rename fails after the first one succeeded.
    expect(() => replaceFiles([[join(dir, 'staged-1'), first], [join(dir, 'staged-2'), second]])).toThrow(UserError);
    expect(readFileSync(first, 'utf8')).toBe('old results');
    expect(readFileSync(second, 'utf8')).toBe('old scores');
    expect(readdirSync(dir).sort()).toEqual(['results.json', 'results.scores.jsonl']);
  });

  it('writeFilesAtomic under a file throws one UserError naming the path and code, and leaves no temporary file', () => {
    const dir = tempDir('rmbench-atomic-');
    writeFileSync(join(dir, 'file'), 'x');
    mkdirSync(join(dir, 'ok'));
    expect(() => writeFilesAtomic([[join(dir, 'ok', 'a.json'), 'a'], [join(dir, 'file', 'b.json'), 'b']])).toThrow(/cannot write .*file.b\.json \((ENOTDIR|EEXIST): .*file is not a directory\)/);
    expect(readdirSync(join(dir, 'ok'))).toEqual([]);
  });
});
