/**
 * The pieces of the USE Lite training pipeline that can be checked by hand: prompt overlap
 * (normalisation, keys, exclusion counts), the prompt-only text, the HH transcript parser, the
 * seed-ensemble merge, and the in-graph response mask.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/onnx/graph.js';
import { parseHhTranscript, pandaPrompt } from '../tools/use-lite/data.js';
import { responseMask } from '../src/default-models/features.js';
import { averageMlps, Mlp, rng } from '../tools/use-lite/nn.js';
import { excludeOverlap, normalisePrompt, overlapIndex, overlaps, promptKeys } from '../src/subsets/overlap.js';
import { formatPlain, formatPromptPlain } from '../tools/use-lite/text.js';

describe('prompt overlap', () => {
  it('normalises case and whitespace only', () => {
    expect(normalisePrompt('  Hello\n\tWORLD  again ')).toBe('hello world again');
    expect(normalisePrompt('Hello, world!')).toBe('hello, world!');
  });

  it('keys a prompt by each user turn and by all user turns together', () => {
    expect(promptKeys('What is  2+2?')).toEqual(['what is 2+2?']);
    const keys = promptKeys([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Tell me a joke' },
    ]);
    expect(keys.sort()).toEqual(['hi', 'hi tell me a joke', 'tell me a joke'].sort());
  });

  it('excludes every item whose prompt meets a suite and counts overlaps per suite', () => {
    const items = [
      { id: 'a', prompt: 'How do I bake bread?' },
      { id: 'b', prompt: [{ role: 'user' as const, content: 'how do i  BAKE bread?' }, { role: 'assistant' as const, content: 'Flour.' }, { role: 'user' as const, content: 'More?' }] },
      { id: 'c', prompt: 'Name a prime.' },
      { id: 'd', prompt: 'Unrelated question' },
    ];
    const report = excludeOverlap(items, (i) => i.prompt, { suiteA: ['How do I bake bread?'], suiteB: ['name a prime.', 'How do I bake bread?'] });
    expect(report.kept.map((i) => i.id)).toEqual(['d']);
    expect(report.excluded.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(report.bySuite).toEqual({ suiteA: 2, suiteB: 3 });
    expect(overlaps('Unrelated   QUESTION', overlapIndex(['unrelated question']))).toBe(true);
  });
});

describe('texts', () => {
  it('renders the prompt alone as formatPlain does, without the response line', () => {
    expect(formatPromptPlain('Hi there')).toBe('User: Hi there');
    const prompt = [
      { role: 'system' as const, content: 'S' },
      { role: 'user' as const, content: 'U1' },
      { role: 'assistant' as const, content: 'A1' },
      { role: 'user' as const, content: 'U2' },
    ];
    expect(formatPromptPlain(prompt)).toBe('System: S\n\nUser: U1\n\nAssistant: A1\n\nUser: U2');
    expect(formatPlain(prompt, 'R')).toBe(`${formatPromptPlain(prompt)}\n\nAssistant: R`);
  });

  it('parses HH-RLHF transcripts into turns', () => {
    expect(parseHhTranscript('\n\nHuman: hi\n\nAssistant: hello\n\nHuman: how are you?\n\nAssistant: fine, thanks')).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'how are you?' },
      { role: 'assistant', content: 'fine, thanks' },
    ]);
    expect(pandaPrompt('Rewrite this.', '')).toBe('Rewrite this.');
    expect(pandaPrompt('Rewrite this.', 'Some text')).toBe('Rewrite this.\n\nSome text');
  });
});

describe('averageMlps', () => {
  it('equals the mean of its members', () => {
    const rand = rng(7);
    const members = [0, 1, 2].map(() => new Mlp([5, 4, 1], rand));
    for (const m of members) for (const p of m.params()) p.value.forEach((_, i) => (p.value[i] = rand() - 0.5));
    const merged = averageMlps(members);
    const x = Float32Array.from({ length: 5 * 6 }, () => rand() * 2 - 1);
    const want = new Float64Array(6);
    for (const m of members) m.forward(x, 6, false).forEach((v, i) => (want[i]! += v / 3));
    const got = merged.forward(x, 6, false);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });
});

describe('responseMask graph', () => {
  it('selects the tokens after the last marker, or the whole window without one', async () => {
    const g = new GraphBuilder('mask');
    const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
    const am = g.input('attention_mask', 'int64', ['batch', 'sequence']);
    const { mask, found } = responseMask(g, ids, am, [0, 9, 8]);
    g.node('Identity', [mask], {}, ['mask']);
    g.node('Identity', [found], {}, ['found']);
    g.output('mask', 'float32', ['batch', 'sequence']);
    g.output('found', 'float32', ['batch', 1]);
    const session = await ort.InferenceSession.create(g.build().model);
    const rows = [
      [5, 0, 9, 8, 3, 4, 0, 0], // marker at 1, response 3 4, then padding
      [0, 9, 8, 1, 0, 9, 8, 2], // last marker wins
      [1, 2, 3, 0, 9, 7, 6, 5], // no marker: the whole window
      [0, 0, 0, 0, 9, 8, 4, 4], // left padding: marker at 3 (padding ids are 0 too)
    ];
    const masks = [
      [1, 1, 1, 1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1, 1, 1, 1],
      [0, 0, 1, 1, 1, 1, 1, 1],
    ];
    const out = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [4, 8]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from(masks.flat(), BigInt), [4, 8]),
    });
    const got = Array.from(out.mask!.data as Float32Array);
    expect(got).toEqual([
      [0, 0, 0, 0, 1, 1, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 1],
      [1, 1, 1, 1, 1, 1, 1, 1],
      [0, 0, 0, 0, 0, 0, 1, 1],
    ].flat());
    expect(Array.from(out.found!.data as Float32Array)).toEqual([1, 1, 0, 1]);
    await session.release();
  });
});
