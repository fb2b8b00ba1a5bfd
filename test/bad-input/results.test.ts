/**
 * Bad input to the commands that read and write results (run's outputs, report, gate, leaderboard,
 * merge), through the real CLI: each case asserts the exit code, a one-line message naming what is
 * wrong (no stack trace), and that no output file was written or changed. Results come from
 * `rmbench run length` on a small real suite built here, then hand-edited copies.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '../../src/report/schema.js';
import { rmbench } from '../helpers/cli.js';
import { tempDir, writeSuite, type FixtureSubset } from '../helpers/suite.js';
import { RB_ARMO_FIXTURE, writeArmoModel } from '../helpers/tiny-models.js';
import { expectRefusal } from '../helpers/refusal.js';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const writeJson = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value, null, 2));

const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu'];
/** Two sections of 12 pairs; the chosen response is longer in 8 of each. */
const SUBSETS: FixtureSubset[] = ['s1', 's2'].map((name, k) => ({
  name,
  section: k === 0 ? 'First' : 'Second',
  rows: words.map((w, i) => ({
    id: String(i),
    prompt: `question ${w}`,
    chosen: i < 8 ? `a long and careful answer about ${w}` : `short ${w}`,
    rejected: i < 8 ? `no ${w}` : `a much longer but wrong answer about ${w}`,
  })),
}));
/** The same suite name and version, with the chosen and rejected of s1 swapped: different data. */
const SWAPPED: FixtureSubset[] = SUBSETS.map((s, k) => (k === 0 ? { ...s, rows: s.rows.map((r) => ({ ...r, chosen: r.rejected, rejected: r.chosen })) } : s));

describe('results, reports, gate, leaderboard and merge refuse bad input', () => {
  const root = tempDir('rmbench-results-');
  const dataA = join(root, 'data-a');
  const dataB = join(root, 'data-b');
  const work = join(root, 'work');
  let manifestA = '';
  let manifestB = '';
  const run = (manifest: string, out: string, extra: string[] = []) => {
    const r = rmbench(['run', 'length', '--suite', 'mini', '--manifest', manifest, '--out', out, '--no-progress', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return out;
  };
  const path = (name: string) => join(work, name);
  /** A copy of results `from` (and its scores file) as `to`, with `edit` applied to the parsed JSON. */
  const edited = (from: string, to: string, edit: (r: Record<string, unknown> & Results) => void) => {
    const results = readJson<Record<string, unknown> & Results>(from);
    cpSync(join(work, results.scores_file), join(work, `${to}.scores.jsonl`));
    results.scores_file = `${to}.scores.jsonl`;
    edit(results);
    writeJson(path(`${to}.json`), results);
    return path(`${to}.json`);
  };

  beforeAll(() => {
    mkdirSync(dataA, { recursive: true });
    mkdirSync(dataB, { recursive: true });
    mkdirSync(work, { recursive: true });
    manifestA = writeSuite(dataA, 'mini', SUBSETS);
    manifestB = writeSuite(dataB, 'mini', SWAPPED);
    run(manifestA, path('a.json'));
    run(manifestA, path('a-again.json'));
    run(manifestB, path('b.json'));
    run(manifestA, path('a-limit.json'), ['--limit', '4']);
    run(manifestA, path('a-shard1.json'), ['--shard', '1/2']);
    run(manifestA, path('a-shard2.json'), ['--shard', '2/2']);
    run(manifestB, path('b-shard2.json'), ['--shard', '2/2']);
  }, 60_000);

  describe('defect 6: data fingerprints', () => {
    it('run records the fingerprint of the data it read, equal for one data set and different for another', () => {
      const a = readJson<Results>(path('a.json'));
      expect(a.data_fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(readJson<Results>(path('a-again.json')).data_fingerprint).toBe(a.data_fingerprint);
      expect(readJson<Results>(path('a-shard1.json')).data_fingerprint).toBe(a.data_fingerprint);
      expect(readJson<Results>(path('b.json')).data_fingerprint).not.toBe(a.data_fingerprint);
      expect(readJson<Results>(path('b.json')).suite).toEqual(a.suite);
    });

    it('gate refuses runs on different data (exit 2), naming both files', () => {
      expectRefusal(work, () => rmbench(['gate', '--baseline', path('a.json'), '--candidate', path('b.json'), '--verdict', path('verdict.json'), '--resamples', '200']), 2, /b\.json ran on other data than .*a\.json \(data fingerprint/);
    });

    it('leaderboard refuses runs on different data', () => {
      expectRefusal(work, () => rmbench(['leaderboard', path('a.json'), path('b.json'), '--out', path('board.json')]), 1, /b\.json ran on other data than .*a\.json/);
    });

    it('merge refuses shards from different data, and shards whose data differ from the manifest it reads', () => {
      expectRefusal(work, () => rmbench(['merge', path('a-shard1.json'), path('b-shard2.json'), '--out', path('merged.json'), '--manifest', manifestA]), 1, /b-shard2\.json ran on other data than .*a-shard1\.json/);
      expectRefusal(work, () => rmbench(['merge', path('a-shard1.json'), path('a-shard2.json'), '--out', path('merged.json'), '--manifest', manifestB]), 1, /a-shard1\.json ran on other data than .*data-b.datasets\.manifest\.json has for suite mini/);
    });

    it('results without a fingerprint (older rmbench) still read: report works, the gate compares with a warning', () => {
      const old = edited(path('a.json'), 'old', (r) => delete r.data_fingerprint);
      const report = rmbench(['report', old]);
      expect(report.code, report.stderr).toBe(0);
      const verdict = path('old-verdict.json');
      const gate = rmbench(['gate', '--baseline', old, '--candidate', path('a-again.json'), '--verdict', verdict, '--resamples', '200']);
      expect(gate.code, gate.stderr).toBe(0);
      expect(gate.stderr).toMatch(/warning: .*old\.json has no data fingerprint .*cannot check that it ran on the same data/);
      expect(existsSync(verdict)).toBe(true);
    });
  });

  it('defect 7: the gate refuses a partial baseline against a full candidate (exit 2), as the other way round', () => {
    expectRefusal(work, () => rmbench(['gate', '--baseline', path('a-limit.json'), '--candidate', path('a.json'), '--verdict', path('verdict.json'), '--resamples', '200']), 2, /a-limit\.json: item s1\/\d+ of the candidate is missing \(a partial run: --limit 4\); runs must cover the same items/);
    expectRefusal(work, () => rmbench(['gate', '--baseline', path('a.json'), '--candidate', path('a-limit.json'), '--verdict', path('verdict.json'), '--resamples', '200']), 2, /a-limit\.json: item s1\/\d+ of the baseline is missing \(a partial run: --limit 4\)/);
  });

  describe('defect 9: every results file is validated; every value in the HTML is escaped', () => {
    const meta = '<meta http-equiv=refresh content="0;url=https://example.invalid/">';
    it.each([
      ['subsets.s1.n', (r: Results) => ((r.subsets.s1 as unknown as Record<string, unknown>).n = meta)],
      ['confidence_intervals.resamples', (r: Results) => ((r.confidence_intervals as unknown as Record<string, unknown>).resamples = meta)],
      ['length_bias.categories.longer.n', (r: Results) => ((r.length_bias as unknown as Record<string, unknown>).categories = { longer: { subsets: ['s1'], n: meta, accuracy: 0.5, longer_baseline: 0.5 } })],
    ])('report --html refuses %s as a non-number, naming the field', (field, edit) => {
      const file = edited(path('a.json'), `inject-${field}`, edit);
      const html = path(`inject-${field}.html`);
      expectRefusal(work, () => rmbench(['report', file, '--html', html]), 1, new RegExp(`inject-${field.replace(/\./g, '\\.')}\\.json: not a valid rmbench results file: field ${field.replace(/\./g, '\\.')}: `));
      expect(existsSync(html)).toBe(false);
    });

    it('gate, leaderboard and merge validate their inputs too', () => {
      const bad = edited(path('a.json'), 'bad-overall', (r) => ((r as Record<string, unknown>).overall = '0.9'));
      expectRefusal(work, () => rmbench(['gate', '--baseline', bad, '--candidate', path('a.json'), '--resamples', '200']), 2, /bad-overall\.json: not a valid rmbench results file: field overall: /);
      expectRefusal(work, () => rmbench(['leaderboard', bad, path('a.json'), '--out', path('board.json')]), 1, /bad-overall\.json: not a valid rmbench results file: field overall/);
      const shard = edited(path('a-shard1.json'), 'bad-shard', (r) => ((r.selection as unknown as Record<string, unknown>).shard = { index: '1', count: 2 }));
      expectRefusal(work, () => rmbench(['merge', shard, path('a-shard2.json'), '--out', path('merged.json'), '--manifest', manifestA]), 1, /bad-shard\.json: not a valid rmbench results file: field selection\.shard\.index/);
    });

    it('text fields are escaped in the page: model, subset and section names, warnings, notes, config', () => {
      const evil = `${meta}<script>alert(1)</script>"'&`;
      const file = edited(path('a.json'), 'evil', (r) => {
        r.model = evil;
        r.warnings = [evil];
        r.overall_note = evil;
        r.length_bias.flag = evil;
        r.config = { text_format: evil };
        for (const record of [r.subsets, r.confidence_intervals.subsets, r.length_bias.subsets] as Record<string, unknown>[]) {
          record[evil] = record.s1;
          delete record.s1;
        }
      });
      const html = path('evil.html');
      const r = rmbench(['report', file, '--html', html]);
      expect(r.code, r.stderr).toBe(0);
      const page = readFileSync(html, 'utf8');
      expect(page).not.toMatch(/<meta http-equiv=refresh|<script|http-equiv="refresh"/i);
      expect(page).toContain('&lt;meta http-equiv=refresh content=&quot;0;url=https://example.invalid/&quot;&gt;&lt;script&gt;');
      // The page's only meta http-equiv is its own Content-Security-Policy.
      expect(page.match(/<meta http-equiv=/g)).toHaveLength(1);
    });
  });

  describe('defect 13: user mistakes are one line, never a stack trace', () => {
    const only = () => {
      writeJson(path('only-version.json'), { schema_version: 1 });
      return path('only-version.json');
    };
    it('a results file with only schema_version: report, leaderboard (exit 1) and gate (exit 2)', () => {
      const file = only();
      expectRefusal(work, () => rmbench(['report', file]), 1, /only-version\.json: not a valid rmbench results file: field rmbench_version: .*\(and \d+ more problems\)/);
      expectRefusal(work, () => rmbench(['leaderboard', file, '--out', path('board.json')]), 1, /only-version\.json: not a valid rmbench results file/);
      expectRefusal(work, () => rmbench(['gate', '--baseline', file, '--candidate', path('a.json')]), 2, /only-version\.json: not a valid rmbench results file/);
    });

    it('ties as a string', () => {
      const file = edited(path('a.json'), 'ties-string', (r) => ((r.subsets.s1 as unknown as Record<string, unknown>).ties = '0'));
      expectRefusal(work, () => rmbench(['report', file]), 1, /ties-string\.json: not a valid rmbench results file: field subsets\.s1\.ties: /);
    });

    it('a corrupted line of the scores file names the file and the line', () => {
      const file = edited(path('a.json'), 'bad-scores', () => {});
      const scores = path('bad-scores.scores.jsonl');
      const lines = readFileSync(scores, 'utf8').split('\n');
      lines[2] = lines[2]!.replace('"correct":true', '"correct":"yes"').replace('"correct":false', '"correct":"no"');
      writeFileSync(scores, lines.join('\n'));
      expectRefusal(work, () => rmbench(['gate', '--baseline', file, '--candidate', path('a.json')]), 2, /bad-scores\.scores\.jsonl: line 3: field correct: /);
    });

    it('run --out at a directory is refused before scoring, leaving no orphan scores file', () => {
      const dir = path('out-dir');
      mkdirSync(dir, { recursive: true });
      expectRefusal(work, () => rmbench(['run', 'length', '--suite', 'mini', '--manifest', manifestA, '--out', dir, '--no-progress']), 1, /results file \(--out\) .*out-dir is a directory; give a file path/);
      expectRefusal(work, () => rmbench(['run', 'length', '--suite', 'mini', '--manifest', manifestA, '--out', `${path('a.json')}/r.json`, '--no-progress']), 1, /a\.json is not a directory/);
    });

    it('report --html, gate --verdict and leaderboard --out at a directory', () => {
      const dir = path('out-dir');
      mkdirSync(dir, { recursive: true });
      expectRefusal(work, () => rmbench(['report', path('a.json'), '--html', dir]), 1, /--html .*out-dir is a directory/);
      expectRefusal(work, () => rmbench(['gate', '--baseline', path('a.json'), '--candidate', path('a-again.json'), '--verdict', dir]), 2, /--verdict .*out-dir is a directory/);
      expectRefusal(work, () => rmbench(['leaderboard', path('a.json'), '--out', dir]), 1, /--out .*out-dir is a directory/);
    });
  });

  describe('defect 14: outputs never overwrite inputs or each other; names are ranked once; terminal and SVG are safe', () => {
    it('run refuses --out or --scores onto the manifest, the data, or each other', () => {
      const manifestBefore = readFileSync(manifestA);
      expectRefusal(dataA, () => rmbench(['run', 'length', '--suite', 'mini', '--manifest', manifestA, '--out', manifestA, '--no-progress']), 1, /results file \(--out\) .*datasets\.manifest\.json would overwrite the dataset manifest/);
      expectRefusal(dataA, () => rmbench(['run', 'length', '--suite', 'mini', '--manifest', manifestA, '--out', path('x.json'), '--scores', manifestA, '--no-progress']), 1, /scores file \(--scores\) .* would overwrite the dataset manifest/);
      expectRefusal(dataA, () => rmbench(['run', 'length', '--suite', 'mini', '--manifest', manifestA, '--out', path('x.json'), '--scores', join(dataA, 'datasets', 'mini', 's1.arrow'), '--no-progress']), 1, /would overwrite the data of subset s1/);
      expectRefusal(work, () => rmbench(['run', 'length', '--suite', 'mini', '--manifest', manifestA, '--out', path('x.json'), '--scores', path('x.json'), '--no-progress']), 1, /scores file \(--scores\) .*x\.json would overwrite results file \(--out\)/);
      expect(readFileSync(manifestA)).toEqual(manifestBefore);
    });

    it('merge, leaderboard, report and gate refuse outputs onto their inputs or onto each other', () => {
      expectRefusal(work, () => rmbench(['merge', path('a-shard1.json'), path('a-shard2.json'), '--out', path('a-shard1.json'), '--manifest', manifestA]), 1, /merged results \(--out\) .*a-shard1\.json would overwrite a shard/);
      expectRefusal(work, () => rmbench(['merge', path('a-shard1.json'), path('a-shard2.json'), '--out', path('m.json'), '--scores', path('a-shard2.scores.jsonl'), '--manifest', manifestA]), 1, /merged scores \(--scores\) .* would overwrite the scores of shard/);
      expectRefusal(work, () => rmbench(['merge', path('a-shard1.json'), path('a-shard2.json'), '--out', path('m.json'), '--scores', path('m.json'), '--manifest', manifestA]), 1, /would overwrite merged results \(--out\)/);
      expectRefusal(work, () => rmbench(['leaderboard', path('a.json'), '--out', path('board.json'), '--markdown', path('board.json')]), 1, /--markdown .*board\.json would overwrite --out/);
      expectRefusal(work, () => rmbench(['leaderboard', path('a.json'), path('a-again.json'), '--out', path('a.json')]), 1, /--out .*a\.json would overwrite a ranked results file/);
      expectRefusal(work, () => rmbench(['report', path('a.json'), '--html', path('a.scores.jsonl')]), 1, /--html .*a\.scores\.jsonl would overwrite the scores/);
      expectRefusal(work, () => rmbench(['gate', '--baseline', path('a.json'), '--candidate', path('a-again.json'), '--verdict', path('a.json')]), 2, /--verdict .*a\.json would overwrite an input results file/);
    });

    it('leaderboard refuses the same run given twice: the same path, or a copy', () => {
      expectRefusal(work, () => rmbench(['leaderboard', path('a.json'), path('a-again.json'), path('a.json'), '--out', path('board.json')]), 1, /a\.json: given twice \(also as .*a\.json\); rank each run once/);
      const copy = edited(path('a.json'), 'a-copy', () => {});
      expectRefusal(work, () => rmbench(['leaderboard', path('a.json'), copy, '--out', path('board.json')]), 1, /a-copy\.json is the same run as .*a\.json \(model length, created /);
    });

    it('report shows control characters of a results file as escapes, never sends them to the terminal', () => {
      const file = edited(path('a.json'), 'escapes', (r) => {
        r.model = 'm\u001b]0;pwned\u0007\u001b[2J\r';
        r.length_bias.flag = 'flag \u001b[31mred\u202e';
      });
      const r = rmbench(['report', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
      expect(r.stdout).toContain('m\\u001b]0;pwned\\u0007\\u001b[2J\\u000d on mini v1');
      expect(r.stdout).toContain('flag \\u001b[31mred\\u202e');
    });

    it('very long subset and section names keep every SVG width non-negative', () => {
      const long = 'x'.repeat(400);
      const file = edited(path('a.json'), 'long-names', (r) => {
        for (const record of [r.subsets, r.confidence_intervals.subsets, r.length_bias.subsets] as Record<string, unknown>[]) {
          record[long] = record.s1;
          delete record.s1;
        }
        for (const record of [r.sections, r.section_weights, r.confidence_intervals.sections] as Record<string, unknown>[]) {
          record[`S${long}`] = record.First;
          delete record.First;
        }
        r.subsets[long]!.section = `S${long}`;
      });
      const html = path('long-names.html');
      const r = rmbench(['report', file, '--html', html]);
      expect(r.code, r.stderr).toBe(0);
      const page = readFileSync(html, 'utf8');
      const widths = [...page.matchAll(/\swidth="(-?[\d.]+)"/g)].map((m) => Number(m[1]));
      expect(widths.length).toBeGreaterThan(10);
      expect(widths.filter((w) => w < 0)).toEqual([]);
      expect(page).toContain(`${'x'.repeat(20)}…`);
    });
  });

  it('statistics words: the table says how ties were credited, per metric', () => {
    const file = edited(path('a.json'), 'tied', (r) => {
      r.subsets.s1!.ties = 2;
      r.subsets.s2!.ties = 1;
      r.subsets.s2!.metric = 'best-of-n';
    });
    const shared = rmbench(['report', file]);
    expect(shared.code, shared.stderr).toBe(0);
    expect(shared.stdout).toMatch(/s1 .* 2 ties \(counted wrong\)/);
    // A results file without best_of_n_ties was written when best-of-n always shared the credit.
    expect(shared.stdout).toMatch(/s2 .* 1 tied item \(credit shared: 1\/\(1\+k\) with k rejected tied at the top\)/);
    const strict = edited(path('a.json'), 'tied-strict', (r) => {
      r.subsets.s2!.ties = 1;
      r.subsets.s2!.metric = 'best-of-n';
      r.best_of_n_ties = 'wrong';
    });
    expect(rmbench(['report', strict]).stdout).toMatch(/s2 .* 1 tied item \(counted wrong\)/);
  });

  it('ArmoRM on a suite without pairs reports null accuracies and gating means, not 0', () => {
    const model = join(root, 'armo');
    writeArmoModel(model, RB_ARMO_FIXTURE);
    const out = path('armo.rm-bench.json');
    const r = rmbench(['run', model, '--suite', 'rm-bench', '--limit', '1', '--out', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const report = readJson<Results>(out).scorer_report as { pairs: number; objective_accuracy: Record<string, { accuracy: number | null }>; gating_mean: Record<string, number | null> };
    expect(report.pairs).toBe(0);
    for (const o of Object.values(report.objective_accuracy)) expect(o.accuracy).toBeNull();
    for (const g of Object.values(report.gating_mean)) expect(g).toBeNull();
    expect(r.stdout).toMatch(/ArmoRM objectives over 0 pairs/);
    expect(r.stdout).not.toMatch(/0\.0%/);
  });
});
