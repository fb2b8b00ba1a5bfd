/**
 * @file `rmbench run POLICY --reference REF` as a subprocess on tiny causal LMs
 * (test/helpers/dpo-suite.ts): every score and stored log-prob equals a float64 hand computation,
 * no decision flips, the diagnostics per subset recomputed from the hand values and printed under
 * the table; bad inputs are one line on stderr and write nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '../src/report/schema.js';
import { MISMATCHED_TEMPLATE, OTHER_WORDS, writeCausalLm } from './helpers/causal-lm.js';
import { rmbench } from './helpers/cli.js';
import { expectedLogprobs, ROWS, SUBSETS, SUITE, within, writeDpoFixture, type DpoFixture, type SavedDpo } from './helpers/dpo-suite.js';
import { tempDir } from './helpers/suite.js';

interface Line {
  key: string;
  chosen_score: number;
  rejected_score: number;
  correct: boolean;
  chosen_outputs: SavedDpo;
  rejected_outputs: SavedDpo;
}

let f: DpoFixture;
const run = (model: string, out: string, ...args: string[]) => rmbench(['run', model, '--manifest', f.manifest, '--suite', SUITE, '--out', join(f.dir, out), '--no-progress', '--no-cache', ...args], f.dir);

/** A user mistake: exit 1, one line on stderr, neither output written. */
function expectOneLineError(r: ReturnType<typeof rmbench>, message: RegExp) {
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toMatch(message);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(existsSync(join(f.dir, 'bad.json'))).toBe(false);
  expect(existsSync(join(f.dir, 'bad.scores.jsonl'))).toBe(false);
}

beforeAll(() => {
  f = writeDpoFixture(tempDir('rmbench-dpo-run-'));
});

describe('rmbench run POLICY --reference REF', () => {
  it('scores every response by beta * (log pi - log pi_ref), each log-prob equal to the float64 hand computation, with the diagnostics per subset', () => {
    const r = run('policy', 'dpo.json', '--reference', 'reference', '--beta', '0.5');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const results = JSON.parse(readFileSync(join(f.dir, 'dpo.json'), 'utf8')) as Results;
    expect(results.model_type).toBe('dpo');
    const lines = readFileSync(join(f.dir, 'dpo.scores.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
    expect(lines).toHaveLength(ROWS.length);
    const counts = { correct: 0, ref: 0, refToken: 0, pol: 0, up: 0, down: 0 };
    const correctBySubset: Record<string, number> = {};
    ROWS.forEach((row, i) => {
      const line = lines[i]!;
      const c = expectedLogprobs(f, row.prompt, row.chosen);
      const x = expectedLogprobs(f, row.prompt, row.rejected);
      for (const [saved, e, score] of [[line.chosen_outputs, c, line.chosen_score], [line.rejected_outputs, x, line.rejected_score]] as const) {
        expect(within(saved.policy_logprob[0]!, e.policy), `${line.key}: ${saved.policy_logprob[0]} vs ${e.policy}`).toBe(true);
        expect(within(saved.reference_logprob![0]!, e.reference)).toBe(true);
        expect(saved.policy_tokens).toEqual([e.tokens]);
        expect(saved.truncation).toEqual([0, 0]);
        expect(within(score, 0.5 * (e.policy - e.reference))).toBe(true);
      }
      // No decision flips against the float64 rewards.
      const right = 0.5 * (c.policy - c.reference) > 0.5 * (x.policy - x.reference);
      expect(line.correct).toBe(right);
      counts.correct += Number(right);
      counts.ref += Number(c.reference > x.reference);
      counts.refToken += Number(c.reference / c.tokens > x.reference / x.tokens);
      counts.pol += Number(c.policy > x.policy);
      counts.up += Number(!(c.reference > x.reference) && c.policy > x.policy);
      counts.down += Number(c.reference > x.reference && !(c.policy > x.policy));
      correctBySubset[row.subset] = (correctBySubset[row.subset] ?? 0) + Number(right);
    });
    const n = ROWS.length;
    expect(results.scorer_report).toMatchObject({
      kind: 'dpo',
      reward: 'reference',
      beta: 0.5,
      pairs: n,
      accuracy: counts.correct / n,
      reference_ranking_accuracy: counts.ref / n,
      reference_ranking_accuracy_per_token: counts.refToken / n,
      policy_ranking_accuracy: counts.pol / n,
      moved_wrong_to_right: counts.up / n,
      moved_right_to_wrong: counts.down / n,
      truncated_prompts: 0,
      truncated_responses: 0,
    });
    const report = results.scorer_report as { by_subset: Record<string, { pairs: number; accuracy: number }> };
    for (const s of SUBSETS) {
      expect(report.by_subset[s.name]).toMatchObject({ pairs: s.rows.length, accuracy: correctBySubset[s.name]! / s.rows.length });
      expect(results.subsets[s.name]!.accuracy).toBe(correctBySubset[s.name]! / s.rows.length);
    }
    // The diagnostics print under the table.
    expect(r.stdout).toMatch(/DPO implicit reward beta \* \(log pi - log pi_ref\), beta 0\.5/);
    expect(r.stdout).toMatch(new RegExp(`\\n {2}overall +${n} `));
  });
});

describe('bad inputs through the CLI', () => {
  it('a reference with another tokenizer, and a template that renders the prompt differently, are one line and write nothing', () => {
    writeCausalLm(join(f.dir, 'other'), { seed: 3, words: OTHER_WORDS });
    writeCausalLm(join(f.dir, 'mismatched'), { seed: 4, chatTemplate: MISMATCHED_TEMPLATE });
    expectOneLineError(run('policy', 'bad.json', '--reference', 'other'), /policy .*policy and reference .*other do not share a tokenizer \(vocabularies of \d+ and \d+ tokens\)/);
    // Found while scoring, after the models loaded: the scores file in progress is removed.
    expectOneLineError(run('mismatched', 'bad.json', '--reference-free', 'sum'), /mismatched\/tokenizer_config\.json: chat_template renders the prompt differently once a response is appended/);
    // A flag's value is refused by the argument parser (which adds the usage, as for every flag).
    const r = run('policy', 'bad.json', '--reference-free', 'mean');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--reference-free <sum\|avg>' argument 'mean' is invalid\. expected sum or avg, got "mean"/);
  });
});
