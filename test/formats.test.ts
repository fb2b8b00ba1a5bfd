import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Results } from '../src/report/schema.js';
import { readSubsetFile } from '../src/subsets/arrow.js';
import { ROOT, rmbench } from './helpers/cli.js';
import { tempDir } from './helpers/suite.js';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const writeJsonl = (path: string, rows: object[]) => writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

describe('formats whose data is not obtainable here, from fixtures in their published schemas', () => {
  it('RewardBench 2: best-of-4 and the Ties formula, scored by the length baseline and checked by hand', () => {
    const dir = tempDir();
    // Published schema: id, prompt, chosen (list), rejected (list), num_correct, num_incorrect, subset, ...
    writeJsonl(join(dir, 'rb2.jsonl'), [
      { id: 'f1', prompt: 'p', chosen: ['aaaa'], rejected: ['a', 'bb', 'ccc'], num_correct: 1, num_incorrect: 3, subset: 'Factuality' },
      { id: 'f2', prompt: 'p', chosen: ['aa'], rejected: ['bb', 'c', 'd'], num_correct: 1, num_incorrect: 3, subset: 'Factuality' },
      { id: 'ref:1', prompt: 'q', chosen: ['xxxxx'], rejected: ['xxx', 'x'], num_correct: 1, num_incorrect: 2, subset: 'Ties' },
      { id: 'tied:1', prompt: 'q', chosen: ['xxxxxx', 'xxxx'], rejected: ['xx'], num_correct: 2, num_incorrect: 1, subset: 'Ties' },
    ]);
    const imp = rmbench(['data', 'import', 'rb2.jsonl', '--suite', 'rb2', '--sections', join(ROOT, 'datasets', 'sections', 'rewardbench-2.json')], dir);
    expect(imp.code, imp.stderr).toBe(0);
    const out = join(dir, 'r.json');
    const r = rmbench(['run', 'length', '--suite', 'rb2', '--out', out, '--no-progress'], dir);
    expect(r.code, r.stderr).toBe(0);
    const results = readJson<Results>(out);
    // f1: chosen strictly longest -> 1; f2: tied at the top with "bb" -> 1/2.
    expect(results.subsets.Factuality).toMatchObject({ metric: 'best-of-n', n: 2, correct: 1.5, accuracy: 0.75 });
    // ref margin 5-3 = 2, tied spread d = 6-4 = 2, tied margin 4-2 = 2: both accurate (0.3 + 0.3);
    // 2 > 2 fails both margin terms; tanh(2/2 - 1) = 0.
    expect(results.subsets.Ties).toMatchObject({ metric: 'rb2-ties', accuracy: 0.6 });
    expect(results.subsets.Ties!.details).toEqual({ ref_accuracy: 1, tied_accuracy: 1, correctness_preferred: 0, correctness_preferred_hard: 0, margin_score: 0 });
    expect(results.overall).toBeCloseTo((0.75 + 0.6) / 2, 12);
  });

  it('RAG-RewardBench style: retrieved documents are rendered into the prompt', () => {
    const dir = tempDir();
    writeJsonl(join(dir, 'rag.jsonl'), [
      {
        question: 'Who wrote it?',
        ctxs: [{ title: 'Book', text: 'It was written by Ann.' }, 'A second passage.'],
        chosen: 'Ann wrote it [1].',
        rejected: 'Bob.',
        scenario: 'citation',
      },
    ]);
    const imp = rmbench(['data', 'import', 'rag.jsonl', '--suite', 'rag', '--map', 'prompt=question,documents=ctxs,subset=scenario'], dir);
    expect(imp.code, imp.stderr).toBe(0);
    const [row] = readSubsetFile(join(dir, 'datasets', 'rag', 'citation.arrow'), { subset: 'citation' });
    expect(row!.prompt).toBe('Document [1] (Title: Book)\nIt was written by Ann.\n\nDocument [2]\nA second passage.\n\nQuestion: Who wrote it?');
    writeJsonl(join(dir, 'bad.jsonl'), [{ question: 'q', ctxs: [{ text: 3 }], chosen: 'a', rejected: 'b', scenario: 's' }]);
    const bad = rmbench(['data', 'import', 'bad.jsonl', '--suite', 'rag', '--map', 'prompt=question,documents=ctxs,subset=scenario'], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/row 0, field "ctxs" \(documents\): expected a list of strings or \{title\?, text\} objects/);
  });

  it('rejects an unknown metric', () => {
    const dir = tempDir();
    writeJsonl(join(dir, 'a.jsonl'), [{ prompt: 'p', chosen: 'a', rejected: 'b', subset: 's' }]);
    const r = rmbench(['data', 'import', 'a.jsonl', '--suite', 'x', '--metric', 'best-of-3'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--metric "best-of-3": expected one of pairwise, best-of-n, style-matrix, rb2-ties/);
  });
});
