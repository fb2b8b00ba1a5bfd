import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSubsetFile } from '../src/subsets/arrow.js';
import { normalisePrompt, promptKeys } from '../src/subsets/overlap.js';
import { ROOT, rmbench } from './helpers/cli.js';
import { tempDir } from './helpers/suite.js';

describe('rmbench data overlap', () => {
  it('normalises case and whitespace, and checks single user turns as well as whole prompts', () => {
    expect(normalisePrompt('  Hello\n\tWORLD  ')).toBe('hello world');
    expect(promptKeys([{ role: 'user', content: 'A' }, { role: 'assistant', content: 'x' }, { role: 'user', content: 'B b' }])).toEqual(['a', 'b b', 'a b b']);
  });

  it('names the training rows that share a prompt with the suite, and the suite items they match', () => {
    const [row] = readSubsetFile(join(ROOT, 'datasets/rewardbench-v1/alpacaeval-easy.arrow'), { subset: 'alpacaeval-easy' });
    const prompt = typeof row!.prompt === 'string' ? row!.prompt : row!.prompt[0]!.content;
    const dir = tempDir();
    const lines = [
      { uid: 'a', question: `  ${prompt.toUpperCase()}\n` },
      { uid: 'b', question: [{ role: 'user', content: prompt }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'and more?' }] },
      { uid: 'c', question: 'A prompt that no benchmark has, surely: 7f3c' },
    ];
    writeFileSync(join(dir, 'train.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = rmbench(['data', 'overlap', 'train.jsonl', '--suite', 'rewardbench-v1', '--map', 'prompt=question,id=uid', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const overlap = JSON.parse(r.stdout);
    expect(overlap.rows).toBe(3);
    expect(overlap.overlapping.map((o: { id: string }) => o.id)).toEqual(['a', 'b']);
    expect(overlap.overlapping[0].matches).toContain(`alpacaeval-easy/${row!.id}`);
    const text = rmbench(['data', 'overlap', 'train.jsonl', '--map', 'prompt=question,id=uid'], dir);
    expect(text.stdout).toMatch(/2 of 3 training rows share a prompt with rewardbench-v1; 1 remain/);
  });
});
