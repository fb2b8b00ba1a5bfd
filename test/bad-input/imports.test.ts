/**
 * Label imports (review round 2, defects 1, 8, 10) through the real CLI: Arena's prompt and
 * response cells are strings holding JSON lists (the lmarena-ai/arena-human-preference-55k card's
 * shape) and are decoded, multi-turn and null ones refused; --drop-ties works for chosen/rejected +
 * tie data; numeric labels are counted and warned about.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSubsetFile } from '../../src/subsets/arrow.js';
import type { PairRow } from '../../src/subsets/types.js';
import { rmbench } from '../helpers/cli.js';
import { expectRefusal } from '../helpers/refusal.js';
import { tempDir } from '../helpers/suite.js';

const ARENA_MAP = 'response_a=response_a,response_b=response_b,winner_a=winner_model_a,winner_b=winner_model_b,winner_tie=winner_tie';

/** One Arena record as the card's files hold it: prompt and responses are JSON lists written as strings. */
const arenaRecord = (id: number, prompt: unknown[], a: unknown[], b: unknown[], winner: 'a' | 'b' | 'tie') => ({
  id,
  model_a: 'gpt-4-0613',
  model_b: 'claude-2.1',
  prompt: JSON.stringify(prompt),
  response_a: JSON.stringify(a),
  response_b: JSON.stringify(b),
  winner_model_a: winner === 'a' ? 1 : 0,
  winner_model_b: winner === 'b' ? 1 : 0,
  winner_tie: winner === 'tie' ? 1 : 0,
});

function workspace(name: string, records: unknown[]): string {
  const dir = tempDir('rmbench-imports-');
  writeFileSync(join(dir, name), `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return dir;
}

const importArgs = (file: string, map: string, ...extra: string[]) => ['data', 'import', file, '--suite', 'x', '--subset', 's', '--manifest', 'm.json', '--map', map, ...extra];

const importedRows = (dir: string) => readSubsetFile(join(dir, 'datasets', 'x', 's.arrow'), { subset: 's', metric: 'pairwise', positions: true }) as PairRow[];

describe('defect 1: Arena cells are strings holding JSON lists', () => {
  it('imports a single-turn row with the texts decoded, not with their JSON quoting', () => {
    const dir = workspace('arena.jsonl', [arenaRecord(30192, ['Is it morally right to try to have a certain percentage of females on managerial positions?'], ['Yes, "it depends".'], ['No.'], 'b')]);
    const r = rmbench(importArgs('arena.jsonl', `id=id,prompt=prompt,${ARENA_MAP}`), dir);
    expect(r.code, r.stderr).toBe(0);
    expect(importedRows(dir)).toEqual([
      expect.objectContaining({ id: '30192', prompt: 'Is it morally right to try to have a certain percentage of females on managerial positions?', chosen: 'No.', rejected: 'Yes, "it depends".', chosen_position: 'B' }),
    ]);
  });

  it('refuses a multi-turn prompt, naming the row and the column', () => {
    const dir = workspace('arena.jsonl', [arenaRecord(1, ['What is 2+2?', 'And 3+3?'], ['4'], ['four'], 'a')]);
    expectRefusal(dir, () => rmbench(importArgs('arena.jsonl', `prompt=prompt,${ARENA_MAP}`), dir), 1, /arena\.jsonl: row 0, field "prompt" \(prompt\): a list of 2 turns \(a multi-turn conversation/);
  });

  it('refuses multi-turn responses, naming the row and the column', () => {
    const dir = workspace('arena.jsonl', [arenaRecord(1, ['What is 2+2?'], ['4', '6'], ['four', 'six'], 'a')]);
    expectRefusal(dir, () => rmbench(importArgs('arena.jsonl', `prompt=prompt,${ARENA_MAP}`), dir), 1, /arena\.jsonl: row 0, field "response_a" \(response_a\): a list of 2 turns \(a multi-turn conversation/);
  });

  it('refuses a null response, naming the row and the column', () => {
    const dir = workspace('arena.jsonl', [arenaRecord(1, ['q1'], ['a'], ['b'], 'a'), arenaRecord(2, ['q2'], ['a'], [null], 'a')]);
    expectRefusal(dir, () => rmbench(importArgs('arena.jsonl', `prompt=prompt,${ARENA_MAP}`), dir), 1, /arena\.jsonl: row 1, field "response_b" \(response_b\): a list of 1 holding null \(a missing turn\)/);
  });
});

describe('defect 8: --drop-ties for chosen/rejected + tie data', () => {
  const records = [
    { prompt: 'q1', chosen: 'a', rejected: 'b', tie: true },
    { prompt: 'q2', chosen: 'c', rejected: 'd', tie: false },
  ];

  it('counts the tie and keeps it by default', () => {
    const dir = workspace('p.jsonl', records);
    const r = rmbench(importArgs('p.jsonl', 'chosen=chosen,rejected=rejected,tie=tie'), dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 records -> 2 rows; 1 ties \(1 kept as tie labels, 0 dropped\)/);
    expect(importedRows(dir).map((row) => row.tie ?? false)).toEqual([true, false]);
  });

  it('drops the tie with --drop-ties and says so', () => {
    const dir = workspace('p.jsonl', records);
    const r = rmbench(importArgs('p.jsonl', 'chosen=chosen,rejected=rejected,tie=tie', '--drop-ties'), dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 records -> 1 rows; 1 ties \(0 kept as tie labels, 1 dropped\)/);
    expect(importedRows(dir).map((row) => row.prompt)).toEqual(['q2']);
  });
});

describe('defect 10: numeric labels', () => {
  const records = [
    { question: 'q1', a: 'first', b: 'second', label: 0 },
    { question: 'q2', a: 'first', b: 'second', label: 1 },
    { question: 'q3', a: 'first', b: 'second', label: 0 },
  ];
  const map = 'prompt=question,response_a=a,response_b=b,label=label';

  it('prints the A/B/tie counts and warns what 0 and 1 were taken to mean', () => {
    const dir = workspace('l.jsonl', records);
    const r = rmbench(importArgs('l.jsonl', map), dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 records -> 3 rows; .*; labels: 1 A wins, 2 B wins, 0 ties/);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^warning: 3 labels are numbers or booleans, read as 1\/true = response_a wins and 0\/false = response_b wins; if 0 means the first response wins, re-import with --label-values "A=0,B=1"$/)]);
  });

  it('does not warn when --label-values says what they mean, and follows it', () => {
    const dir = workspace('l.jsonl', records);
    const r = rmbench(importArgs('l.jsonl', map, '--label-values', 'A=0,B=1'), dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/labels: 2 A wins, 1 B wins, 0 ties/);
    expect(importedRows(dir).map((row) => row.chosen_position)).toEqual(['A', 'B', 'A']);
    expect(JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')).suites.x.subsets[0].rows).toBe(3);
  });
});
