/**
 * `rmbench data import` of data that carries a label or ratings instead of chosen/rejected columns
 * (issue 15 part 1), through the real CLI in temporary folders: JudgeBench-, MT-Bench-, Arena- and
 * rating-shaped files (column names from the public datasets' cards, docs/datasets.md) import with
 * one command each; Parquet shard folders import as one file; bad rows are refused with the row,
 * the column and why, exit 1, nothing written.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSubsetFile } from '../src/subsets/arrow.js';
import type { PairRow, Row } from '../src/subsets/types.js';
import { rmbench } from './helpers/cli.js';
import { SHARED, hasShared } from './helpers/requires.js';
import { tempDir } from './helpers/suite.js';
import { snapshot } from './helpers/refusal.js';

const SHARED_PARQUET = join(SHARED, 'data', 'reward-bench-v1', 'sustech-nlp_BiasScope', 'data', 'rewardbench', 'rewardbench_filtered.parquet');

function writeJsonl(dir: string, name: string, records: unknown[]): string {
  writeFileSync(join(dir, name), `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return name;
}


function imported(dir: string, args: string[]): { stdout: string; rows: (suite: string, subset: string, metric?: 'pairwise' | 'best-of-n') => Row[] } {
  const r = rmbench(['data', 'import', ...args], dir);
  expect(r.code, r.stderr).toBe(0);
  return {
    stdout: r.stdout,
    rows: (suite, subset, metric = 'pairwise') => readSubsetFile(join(dir, 'datasets', suite, `${subset}.arrow`), { subset, metric, positions: true }),
  };
}

function expectRefused(dir: string, args: string[], message: RegExp): void {
  const before = snapshot(dir);
  const r = rmbench(['data', 'import', ...args], dir);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/^ {4}at |internal error/m);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(snapshot(dir)).toEqual(before);
}

// JudgeBench (ScalerLab/JudgeBench): pair_id, source, question, response_model, response_A, response_B, label "A>B" | "B>A".
const JUDGEBENCH = [
  { pair_id: 'p1', source: 'mmlu-pro-math', question: '2+2?', response_model: 'gpt-4o', response_A: '4', response_B: '5', label: 'A>B' },
  { pair_id: 'p2', source: 'mmlu-pro-math', question: '3+3?', response_model: 'gpt-4o', response_A: '7', response_B: '6', label: 'B>A' },
  { pair_id: 'p3', source: 'livecodebench', question: 'Sort [2,1].', response_model: 'gpt-4o', response_A: '[1,2]', response_B: '[2,1]', label: 'A>B' },
];
const JUDGEBENCH_MAP = 'id=pair_id,subset=source,prompt=question,response_a=response_A,response_b=response_B,label=label';

describe('data import of labelled pairs', () => {
  it('imports a JudgeBench-shaped file with one command, keeping which response was A', () => {
    const dir = tempDir();
    const file = writeJsonl(dir, 'judgebench.jsonl', JUDGEBENCH);
    const { rows, stdout } = imported(dir, [file, '-s', 'judgebench', '--map', JUDGEBENCH_MAP]);
    expect(rows('judgebench', 'mmlu-pro-math')).toEqual([
      { id: 'p1', subset: 'mmlu-pro-math', prompt: '2+2?', chosen: '4', rejected: '5', chosen_position: 'A' },
      { id: 'p2', subset: 'mmlu-pro-math', prompt: '3+3?', chosen: '6', rejected: '7', chosen_position: 'B' },
    ]);
    expect(rows('judgebench', 'livecodebench')).toEqual([{ id: 'p3', subset: 'livecodebench', prompt: 'Sort [2,1].', chosen: '[1,2]', rejected: '[2,1]', chosen_position: 'A' }]);
    expect(stdout).toMatch(/3 records -> 3 rows; 0 ties/);
  });

  it('imports MT-Bench human judgments (conversations, winner model_a/model_b/tie): ties kept as tie labels, or dropped with --drop-ties, counted either way', () => {
    const dir = tempDir();
    // lmsys/mt_bench_human_judgments: question_id, model_a, model_b, winner, judge, conversation_a, conversation_b, turn.
    const conversation = (answer: string) => [
      { role: 'user', content: 'Name a colour.' },
      { role: 'assistant', content: answer },
    ];
    const records = [
      { question_id: 81, model_a: 'gpt-4', model_b: 'llama-13b', winner: 'model_a', judge: 'expert_0', conversation_a: conversation('Blue.'), conversation_b: conversation('No.'), turn: 1 },
      { question_id: 82, model_a: 'gpt-4', model_b: 'llama-13b', winner: 'model_b', judge: 'expert_0', conversation_a: conversation('Hm.'), conversation_b: conversation('Red.'), turn: 1 },
      { question_id: 83, model_a: 'gpt-4', model_b: 'llama-13b', winner: 'tie', judge: 'expert_1', conversation_a: conversation('Green.'), conversation_b: conversation('Teal.'), turn: 1 },
    ];
    const file = writeJsonl(dir, 'mt.jsonl', records);
    const map = 'id=question_id,response_a=conversation_a,response_b=conversation_b,label=winner';
    const kept = imported(dir, [file, '-s', 'mt', '--subset', 'human', '--map', map]);
    expect(kept.rows('mt', 'human')).toEqual([
      { id: '81', subset: 'human', prompt: 'Name a colour.', chosen: 'Blue.', rejected: 'No.', chosen_position: 'A' },
      { id: '82', subset: 'human', prompt: 'Name a colour.', chosen: 'Red.', rejected: 'Hm.', chosen_position: 'B' },
      { id: '83', subset: 'human', prompt: 'Name a colour.', chosen: 'Green.', rejected: 'Teal.', tie: true },
    ]);
    expect(kept.stdout).toMatch(/3 records -> 3 rows; 1 ties \(1 kept as tie labels, 0 dropped\)/);
    const dropped = imported(dir, [file, '-s', 'mt-no-ties', '--subset', 'human', '--map', map, '--drop-ties']);
    expect(dropped.rows('mt-no-ties', 'human').map((r) => r.id)).toEqual(['81', '82']);
    expect(dropped.stdout).toMatch(/3 records -> 2 rows; 1 ties \(0 kept as tie labels, 1 dropped\)/);
  });

  it('imports an Arena-shaped file (winner_model_a/_b/_tie 0/1 columns, one-element lists)', () => {
    const dir = tempDir();
    // lmarena-ai/arena-human-preference-55k: id, model_a, model_b, prompt, response_a, response_b, winner_model_a, winner_model_b, winner_tie.
    const battle = (id: number, a: number, b: number, tie: number) => ({ id, model_a: 'x', model_b: 'y', prompt: [`Q${id}`], response_a: [`a${id}`], response_b: [`b${id}`], winner_model_a: a, winner_model_b: b, winner_tie: tie });
    const file = writeJsonl(dir, 'arena.jsonl', [battle(1, 1, 0, 0), battle(2, 0, 1, 0), battle(3, 0, 0, 1)]);
    const { rows, stdout } = imported(dir, [
      file, '-s', 'arena', '--subset', 'battles',
      '--map', 'response_a=response_a,response_b=response_b,winner_a=winner_model_a,winner_b=winner_model_b,winner_tie=winner_tie',
    ]);
    expect(rows('arena', 'battles')).toEqual([
      { id: '1', subset: 'battles', prompt: 'Q1', chosen: 'a1', rejected: 'b1', chosen_position: 'A' },
      { id: '2', subset: 'battles', prompt: 'Q2', chosen: 'b2', rejected: 'a2', chosen_position: 'B' },
      { id: '3', subset: 'battles', prompt: 'Q3', chosen: 'a3', rejected: 'b3', tie: true },
    ]);
    expect(stdout).toMatch(/1 ties \(1 kept/);
  });

  it('takes booleans and 0/1 as "A wins" by default, and other values with --label-values', () => {
    const dir = tempDir();
    const file = writeJsonl(dir, 'bool.jsonl', [
      { q: 'a', x: 'A1', y: 'B1', a_wins: true, verdict: 'A>>B' },
      { q: 'b', x: 'A2', y: 'B2', a_wins: 0, verdict: 'B>>A' },
    ]);
    const bools = imported(dir, [file, '-s', 'bools', '--subset', 's', '--map', 'prompt=q,response_a=x,response_b=y,label=a_wins']);
    expect(bools.rows('bools', 's').map((r) => [r.chosen, (r as PairRow).chosen_position])).toEqual([['A1', 'A'], ['B2', 'B']]);
    const custom = imported(dir, [file, '-s', 'custom', '--subset', 's', '--map', 'prompt=q,response_a=x,response_b=y,label=verdict', '--label-values', 'A=A>>B|A>B,B=B>>A|B>A,tie=A=B']);
    expect(custom.rows('custom', 's').map((r) => r.chosen)).toEqual(['A1', 'B2']);
  });
});

describe('data import of per-response ratings', () => {
  it('UltraFeedback-shaped (completions[].response / overall_score): the best response against each lower one, --min-margin leaving close ones out', () => {
    const dir = tempDir();
    // openbmb/UltraFeedback: instruction, completions: [{model, response, overall_score, ...}].
    const completions = (scores: number[]) => scores.map((s, k) => ({ model: `m${k}`, response: `r${k}`, overall_score: s }));
    const file = writeJsonl(dir, 'uf.jsonl', [
      { id: 'u1', instruction: 'Write.', completions: completions([6, 8.5, 3, 8]) },
      { id: 'u2', instruction: 'Read.', completions: completions([5, 5]) },
    ]);
    const map = 'prompt=instruction,responses=completions.response,ratings=completions.overall_score';
    const all = imported(dir, [file, '-s', 'uf', '--subset', 'uf', '--map', map]);
    expect(all.rows('uf', 'uf')).toEqual([
      { id: 'u1:0', subset: 'uf', prompt: 'Write.', chosen: 'r1', rejected: 'r0' },
      { id: 'u1:2', subset: 'uf', prompt: 'Write.', chosen: 'r1', rejected: 'r2' },
      { id: 'u1:3', subset: 'uf', prompt: 'Write.', chosen: 'r1', rejected: 'r3' },
      { id: 'u2:1', subset: 'uf', prompt: 'Read.', chosen: 'r0', rejected: 'r1', tie: true },
    ]);
    const margin = imported(dir, [file, '-s', 'uf-margin', '--subset', 'uf', '--map', map, '--min-margin', '1', '--drop-ties']);
    expect(margin.rows('uf-margin', 'uf').map((r) => r.id)).toEqual(['u1:0', 'u1:2']);
    expect(margin.stdout).toMatch(/2 records -> 2 rows; 1 ties \(0 kept as tie labels, 1 dropped\); 1 responses under --min-margin; 1 records without a pair/);
    const sets = imported(dir, [file, '-s', 'uf-bon', '--subset', 'uf', '--map', map, '--metric', 'best-of-n']);
    expect(sets.rows('uf-bon', 'uf', 'best-of-n')).toEqual([{ id: 'u1', subset: 'uf', prompt: 'Write.', chosen: ['r1'], rejected: ['r0', 'r2', 'r3'] }]);
    expect(sets.stdout).toMatch(/1 ties \(0 kept as tie labels, 1 dropped\); 0 responses under --min-margin; 1 records without a pair/);
  });

  it('HelpSteer2-shaped (one row per response: prompt, response, helpfulness) and one column per response', () => {
    const dir = tempDir();
    // nvidia/HelpSteer2: prompt, response, helpfulness, correctness, coherence, complexity, verbosity; two rows per prompt.
    const file = writeJsonl(dir, 'hs2.jsonl', [
      { prompt: 'P1', response: 'good', helpfulness: 4, correctness: 4, coherence: 4, complexity: 2, verbosity: 2 },
      { prompt: 'P1', response: 'bad', helpfulness: 1, correctness: 2, coherence: 3, complexity: 1, verbosity: 1 },
      { prompt: 'P2', response: 'meh', helpfulness: 2, correctness: 2, coherence: 3, complexity: 1, verbosity: 1 },
      { prompt: 'P2', response: 'fine', helpfulness: 3, correctness: 3, coherence: 3, complexity: 1, verbosity: 1 },
    ]);
    const hs2 = imported(dir, [file, '-s', 'hs2', '--subset', 'helpfulness', '--map', 'response=response,rating=helpfulness']);
    expect(hs2.rows('hs2', 'helpfulness')).toEqual([
      { id: '0:1', subset: 'helpfulness', prompt: 'P1', chosen: 'good', rejected: 'bad' },
      { id: '2:0', subset: 'helpfulness', prompt: 'P2', chosen: 'fine', rejected: 'meh' },
    ]);
    const wide = writeJsonl(dir, 'wide.jsonl', [{ q: 'P', r1: 'x', r2: 'y', s1: 1, s2: 2 }]);
    const columns = imported(dir, [wide, '-s', 'wide', '--subset', 'w', '--map', 'prompt=q,responses=r1+r2,ratings=s1+s2']);
    expect(columns.rows('wide', 'w')).toEqual([{ id: '0:0', subset: 'w', prompt: 'P', chosen: 'y', rejected: 'x' }]);
  });
});

describe('data import of a folder of Parquet shards', () => {
  it.skipIf(!hasShared('data', 'reward-bench-v1'))('imports data/train-0000k-of-0000n.parquet as one file, naming the shard and row of a bad row', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    copyFileSync(SHARED_PARQUET, join(dir, 'data', 'train-00000-of-00001.parquet'));
    copyFileSync(SHARED_PARQUET, join(dir, 'whole.parquet'));
    const map = 'prompt=question,chosen=response_A,rejected=response_B';
    const folder = imported(dir, ['data', '-s', 'folder', '--map', map]);
    const file = imported(dir, ['whole.parquet', '-s', 'file', '--map', map]);
    const manifest = JSON.parse(readFileSync(join(dir, 'datasets.manifest.json'), 'utf8'));
    const hashes = (suite: string) => manifest.suites[suite].subsets.map((s: { name: string; sha256: string }) => [s.name, s.sha256]);
    expect(hashes('folder')).toEqual(hashes('file'));
    expect(folder.stdout).toMatch(/2985 records -> 2985 rows/);
    expect(file.stdout).toMatch(/2985 records -> 2985 rows/);
    // A second shard with the same ids: the duplicate is named by shard and row.
    copyFileSync(SHARED_PARQUET, join(dir, 'data', 'train-00001-of-00002.parquet'));
    const r = rmbench(['data', 'import', 'data', '-s', 'twice', '--map', map], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/train-00001-of-00002\.parquet row 0, field "id" \(id\): duplicate id .* \(also train-00000-of-00001\.parquet row 0\)/);
    expect(r.stderr).not.toMatch(/^ {4}at |internal error/m);
  });
});

describe('label and rating imports refuse bad rows and bad options (exit 1, row + column + why, nothing written)', () => {
  const dir = tempDir();
  writeJsonl(dir, 'judgebench.jsonl', JUDGEBENCH);
  const bad = (name: string, records: unknown[]) => writeJsonl(dir, name, records);
  const arenaMap = 'response_a=response_a,response_b=response_b,winner_a=winner_model_a,winner_b=winner_model_b,winner_tie=winner_tie';
  const arena = (a: unknown, b: unknown, tie: unknown) => ({ prompt: 'Q', response_a: 'x', response_b: 'y', winner_model_a: a, winner_model_b: b, winner_tie: tie });
  const cases: [string, string[], RegExp][] = [
    [
      'an unknown label',
      [bad('label.jsonl', [JUDGEBENCH[0], { ...JUDGEBENCH[1], label: 'A>>B' }]), '-s', 'x', '--map', JUDGEBENCH_MAP],
      /label\.jsonl: row 1, field "label" \(label\): "A>>B", expected one of "A>B" \(A\).*see --label-values$/m,
    ],
    ['a missing label', [bad('nolabel.jsonl', [{ ...JUDGEBENCH[0], label: undefined }]), '-s', 'x', '--map', JUDGEBENCH_MAP], /row 0, field "label" \(label\): missing, expected one of/],
    ['two Arena winner columns set', [bad('arena2.jsonl', [arena(1, 0, 0), arena(1, 1, 0)]), '-s', 'x', '--subset', 's', '--map', arenaMap], /arena2\.jsonl: row 1, fields "winner_model_a", "winner_model_b", "winner_tie" \(winner_a, winner_b, winner_tie\): 2 of the winner columns are 1, expected exactly one/],
    ['no Arena winner column set', [bad('arena0.jsonl', [arena(0, 0, 0)]), '-s', 'x', '--subset', 's', '--map', arenaMap], /row 0, fields .*: 0 of the winner columns are 1, expected exactly one/],
    ['an Arena winner column that is not 0/1', [bad('arena-null.jsonl', [arena(1, null, 0)]), '-s', 'x', '--subset', 's', '--map', arenaMap], /row 0, fields .*: winner_b is null, expected 0 or 1/],
    ['a response that is a number', [bad('num.jsonl', [{ ...JUDGEBENCH[0], response_B: 5 }]), '-s', 'x', '--map', JUDGEBENCH_MAP], /row 0, field "response_B" \(response_b\): number, expected a string/],
    [
      'conversations that differ before the answers',
      [
        bad('conv.jsonl', [{ a: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'A' }], b: [{ role: 'user', content: 'Yo' }, { role: 'assistant', content: 'B' }], w: 'model_a' }]),
        '-s', 'x', '--subset', 's', '--map', 'response_a=a,response_b=b,label=w',
      ],
      /row 0, fields "a" and "b": the conversations differ before the answers; map prompt=COLUMN/,
    ],
    ['ratings of another length than the responses', [bad('ratings.jsonl', [{ p: 'P', rs: ['a', 'b'], ss: [1, 2, 3] }]), '-s', 'x', '--subset', 's', '--map', 'prompt=p,responses=rs,ratings=ss'], /row 0, field "ss" \(ratings\): 3 ratings for 2 responses/],
    ['a rating that is not a number', [bad('rating.jsonl', [{ prompt: 'P', response: 'a', h: 3 }, { prompt: 'P', response: 'b', h: 'high' }]), '-s', 'x', '--subset', 's', '--map', 'response=response,rating=h'], /row 1, field "h" \(rating\): "high", expected a number/],
    ['labels with a set metric (said once per subset)', ['judgebench.jsonl', '-s', 'x', '--subset', 'all', '--map', JUDGEBENCH_MAP, '--metric', 'best-of-n'], /row 0: metric best-of-n in subset "all", but labels give pairs \(metric pairwise\)/],
    ['chosen/rejected mixed with a label', ['judgebench.jsonl', '-s', 'x', '--map', 'chosen=response_A,rejected=response_B,label=label'], /--map: chosen\/rejected and label describe different shapes of data; map one of them/],
    ['a label without responses', ['judgebench.jsonl', '-s', 'x', '--map', 'label=label'], /--map: label given without response_a, response_b/],
    ['both a label and winner columns', ['judgebench.jsonl', '-s', 'x', '--map', 'response_a=a,response_b=b,label=l,winner_a=w,winner_b=v'], /--map: give either label=COLUMN or winner_a/],
    ['--label-values without an outcome', ['judgebench.jsonl', '-s', 'x', '--map', JUDGEBENCH_MAP, '--label-values', 'A>B'], /--label-values "A>B": expected OUTCOME=VALUE/],
    ['--label-values giving one value twice', ['judgebench.jsonl', '-s', 'x', '--map', JUDGEBENCH_MAP, '--label-values', 'A=x,B=x'], /--label-values: "x" is given for two outcomes/],
    ['a negative --min-margin', ['judgebench.jsonl', '-s', 'x', '--map', JUDGEBENCH_MAP, '--min-margin', '-1'], /--min-margin must be a number >= 0, got -1/],
    ['a folder without Parquet files', [(mkdirSync(join(dir, 'empty')), 'empty'), '-s', 'x', '--subset', 's'], /empty: a folder without \.parquet files/],
  ];
  it.each(cases)('%s', (_, args, message) => expectRefused(dir, args, message));
});
