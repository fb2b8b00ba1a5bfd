import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Results } from '../src/report/schema.js';
import { rmbench } from './helpers/cli.js';
import { tempDir } from './helpers/suite.js';
import { RB_ARMO_FIXTURE, RB_GPM_FIXTURE, writeArmoModel, writeBagOfWordsModel, writeGpmModel } from './helpers/tiny-models.js';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const figures = (r: Results) => ({
  subsets: r.subsets,
  sections: r.sections,
  overall: r.overall,
  intervals: r.confidence_intervals,
  length: r.length_bias,
  details: [r.section_details, r.overall_details],
  partial: r.partial,
});

describe('rmbench run --shard and rmbench merge', () => {
  const dir = tempDir();
  const model = join(dir, 'bow');
  writeBagOfWordsModel(model, { sorry: -1, sure: 0.5, here: 0.25, def: 0.125 });
  const go = (args: string[]) => {
    const r = rmbench(args[0] === 'run' ? [...args, '--no-progress'] : args);
    expect(r.code, r.stderr).toBe(0);
    return r;
  };

  it.each(['rewardbench-v1', 'rm-bench'])('sharded-then-merged equals unsharded on %s (subsets, sections, overall, intervals, every per-item score)', (suite) => {
    go(['run', model, '--suite', suite, '--out', join(dir, `${suite}-full.json`), '--no-cache']);
    const shards = [1, 2, 3].map((k) => {
      const out = join(dir, `${suite}-shard-${k}.json`);
      go(['run', model, '--suite', suite, '--shard', `${k}/3`, '--out', out]);
      return out;
    });
    const sizes = shards.map((s) => readJson<Results>(s)).map((r) => Object.values(r.subsets).reduce((n, x) => n + x.n, 0));
    // Each shard is a real third-ish of the items.
    for (const n of sizes) expect(n).toBeGreaterThan(0);
    expect(readJson<Results>(shards[0]!).selection.shard).toEqual({ index: 1, count: 3 });
    const merged = join(dir, `${suite}-merged.json`);
    // Shards in any order.
    go(['merge', shards[2]!, shards[0]!, shards[1]!, '--out', merged]);
    const a = readJson<Results>(merged);
    const b = readJson<Results>(join(dir, `${suite}-full.json`));
    expect(figures(a)).toEqual(figures(b));
    expect(a.selection.shard).toBeNull();
    expect(readFileSync(merged.replace(/\.json$/, '.scores.jsonl'), 'utf8')).toBe(readFileSync(join(dir, `${suite}-full.scores.jsonl`), 'utf8'));
  });

  // Exact outputs whatever the batch: the merged report must equal the unsharded one.
  const armo = join(dir, 'armo');
  writeArmoModel(armo, RB_ARMO_FIXTURE);
  const gpm = join(dir, 'gpm');
  writeGpmModel(gpm, RB_GPM_FIXTURE);

  it.each([
    ['armorm', armo],
    ['gpm', gpm],
  ])('merges the %s scorer_report of shards into the report of one unsharded run', (kind, kindModel) => {
    const subsets = ['--subsets', 'alpacaeval-easy,refusals-dangerous,hep-go,xstest-should-respond'];
    go(['run', kindModel, ...subsets, '--out', join(dir, `${kind}-full.json`), '--no-cache']);
    const shards = [1, 2, 3].map((k) => {
      const out = join(dir, `${kind}-shard-${k}.json`);
      go(['run', kindModel, ...subsets, '--shard', `${k}/3`, '--out', out, '--no-cache']);
      return out;
    });
    const merged = join(dir, `${kind}-merged.json`);
    const printed = go(['merge', ...shards, '--out', merged]).stdout;
    const a = readJson<Results>(merged);
    const b = readJson<Results>(join(dir, `${kind}-full.json`));
    expect(b.scorer_report).toMatchObject({ kind, pairs: 614 });
    expect(a.scorer_report).toEqual(b.scorer_report);
    expect(readJson<Results>(shards[0]!).scorer_report).not.toEqual(b.scorer_report);
    expect(a.warnings.join('\n')).not.toMatch(/scorer_report/);
    expect(printed).toMatch(kind === 'armorm' ? /ArmoRM objectives over 614 pairs/ : /GPM \(d = 4, lambda from the prompt head\)/);
    expect(readFileSync(merged.replace(/\.json$/, '.scores.jsonl'), 'utf8')).toBe(readFileSync(join(dir, `${kind}-full.scores.jsonl`), 'utf8'));

    // A shard whose scores file lacks the outputs (an older rmbench): merged without a report, and said so.
    const scores = shards[0]!.replace(/\.json$/, '.scores.jsonl');
    const stripped = readFileSync(scores, 'utf8').trim().split('\n').map((line) => {
      const { chosen_outputs: _c, rejected_outputs: _r, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    writeFileSync(scores, `${stripped.join('\n')}\n`);
    go(['merge', ...shards, '--out', merged]);
    const old = readJson<Results>(merged);
    expect(old.scorer_report).toBeUndefined();
    expect(old.warnings).toContain("scorer_report not merged: the shards' scores files lack the outputs it needs (written by an older rmbench)");
  });

  it('assigns items to shards stably and refuses incomplete or mixed shard sets', () => {
    const one = join(dir, 'again-1.json');
    go(['run', model, '--shard', '1/3', '--out', one]);
    const keys = (path: string) => readFileSync(path.replace(/\.json$/, '.scores.jsonl'), 'utf8');
    expect(keys(one)).toBe(keys(join(dir, 'rewardbench-v1-shard-1.json')));
    const missing = rmbench(['merge', one, join(dir, 'rewardbench-v1-shard-2.json'), '--out', join(dir, 'x.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/missing shard 3\/3/);
    const twice = rmbench(['merge', one, join(dir, 'rewardbench-v1-shard-1.json'), '--out', join(dir, 'x.json')]);
    expect(twice.stderr).toMatch(/shard 1\/3 given twice/);
    const mixed = rmbench(['merge', join(dir, 'rm-bench-shard-1.json'), join(dir, 'rewardbench-v1-shard-2.json'), join(dir, 'rewardbench-v1-shard-3.json'), '--out', join(dir, 'x.json')]);
    expect(mixed.stderr).toMatch(/differ from .*; shards must come from one run/);
    const bad = rmbench(['run', model, '--shard', '4/3']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--shard.*expected K\/N with 1 <= K <= N, got "4\/3"/);
  });
});
