/**
 * Bad input on the scoring path, through the real CLI (issue 17, part B): non-finite outputs, a
 * tampered score cache and one kept after the tokenizer changed, texts of any length, per-token
 * outputs, chat templates that fail, render nothing or drop the response, padding that changes the
 * outputs, and `inspect` telling warnings from problems. Each refusal exits 1 with one line naming
 * what is wrong, no stack trace, and no output file written or changed.
 * Also: the windowed tokenisation of long texts gives exactly the token ids of whole-text
 * tokenisation, on generated texts with long runs (a byte-level BPE tokenizer among them).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/onnx/graph.js';
import type { Results } from '../../src/report/schema.js';
import { CACHE_FORMAT } from '../../src/scorers/cache.js';
import type { Side } from '../../src/scorers/tokenize.js';
import { ROOT, rmbench, type CliResult } from '../helpers/cli.js';
import { rmbenchAsync, startServe } from '../helpers/remote.js';
import { tempDir, writeSuite, type FixtureSubset } from '../helpers/suite.js';
import { compareWindowed } from '../helpers/windowed.js';
import { LLAMA3_BOS, writeBagOfWordsModel, writeByteLevelBpeTokenizer, writeDecoderModel, writeTokenizer } from '../helpers/tiny-models.js';

const USE_LITE = join(ROOT, 'models', 'use-lite-bt');
const WEIGHTS = { sorry: -1, cannot: -0.5, sure: 0.5, here: 0.25 };
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** A file's bytes and mtime (null when absent), to show a refused command left it alone. */
const snapshot = (path: string) => (existsSync(path) ? { bytes: readFileSync(path).toString('base64'), mtime: statSync(path).mtimeMs } : null);

/** Exit 1, one line naming what is wrong, no stack trace, and the given files as they were. */
function expectRefused(run: () => CliResult, message: RegExp, files: readonly string[] = []): CliResult {
  const before = files.map(snapshot);
  const r = run();
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('warning: '));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(files.map(snapshot)).toEqual(before);
  return r;
}

const PAIRS: FixtureSubset['rows'] = [
  { id: '1', prompt: 'Can you help?', chosen: 'Sure, here it is.', rejected: 'Sorry, I cannot.' },
  { id: '2', prompt: 'And this?', chosen: 'Here you go, sure.', rejected: 'I cannot do that, sorry.' },
  { id: '3', prompt: 'One more.', chosen: 'Sure.', rejected: 'Sorry.' },
];

/** A suite of one subset in `dir`; returns the arguments that select it. */
function suite(dir: string, rows: FixtureSubset['rows'] = PAIRS): string[] {
  return ['--manifest', writeSuite(dir, 'toy', [{ name: 'chat', section: 'Chat', rows }]), '--suite', 'toy'];
}

/** rmbench run with outputs in `dir`; returns the paths it would write and the result. */
function runIn(dir: string, model: string, extra: readonly string[]) {
  const out = join(dir, 'out.json');
  const scores = join(dir, 'out.scores.jsonl');
  return { out, scores, args: ['run', model, '--out', out, '--no-progress', ...extra] };
}

const cacheLines = (cacheDir: string) =>
  existsSync(join(cacheDir, CACHE_FORMAT))
    ? readdirSync(join(cacheDir, CACHE_FORMAT), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .flatMap((e) => readFileSync(join(e.parentPath, e.name), 'utf8').split('\n').filter(Boolean))
    : [];

describe('the score cache never turns a non-finite score into a number', () => {
  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('a %s score refuses the first run and every rerun; nothing non-finite is cached', (_, weight) => {
    const dir = tempDir();
    const model = join(dir, 'bow');
    writeBagOfWordsModel(model, { ...WEIGHTS, boom: weight });
    const cacheDir = join(dir, 'cache');
    const rows = [...PAIRS, { id: '4', prompt: 'Last.', chosen: 'Sure, boom.', rejected: 'Sorry.' }];
    const { out, scores, args } = runIn(dir, model, [...suite(dir, rows), '--cache-dir', cacheDir]);
    for (let attempt = 0; attempt < 2; attempt++) {
      expectRefused(() => rmbench(args), /^rmbench: bow: non-finite score for pair chat\/4 \(scores (NaN|Infinity), -1/, [out, scores]);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(scores)).toBe(false);
    }
    const lines = cacheLines(cacheDir);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toMatch(/null|NaN|Infinity/);
  });

  it('a cache line with a changed digit, a null value, no output key, or a directory named *.jsonl is recomputed, not used', () => {
    const dir = tempDir();
    const model = join(dir, 'bow');
    writeBagOfWordsModel(model, WEIGHTS);
    const cacheDir = join(dir, 'cache');
    const reference = runIn(dir, model, [...suite(dir), '--no-cache']);
    expect(rmbench(reference.args).code).toBe(0);
    const expected = { results: readJson<Results>(reference.out), scores: readFileSync(reference.scores, 'utf8') };

    const cached = runIn(join(dir, 'cached'), model, [...suite(join(dir, 'cached')), '--cache-dir', cacheDir]);
    expect(rmbench(cached.args).code).toBe(0);
    const [keyDir] = readdirSync(join(cacheDir, CACHE_FORMAT));
    const folder = join(cacheDir, CACHE_FORMAT, keyDir!);
    const [segment] = readdirSync(folder);
    const lines = readFileSync(join(folder, segment!), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const tampered = lines.map((line, i) => {
      const record = JSON.parse(line) as { t: string; o: { logits: (number | null)[] }; c: string };
      if (i === 0) record.o.logits = [record.o.logits[0]! + 1]; // a changed digit
      if (i === 1) record.o.logits = [null]; // NaN written as null by JSON
      if (i === 2) (record as { o: unknown }).o = {}; // the output key gone
      return JSON.stringify(record);
    });
    writeFileSync(join(folder, segment!), `${tampered.join('\n')}\n`);
    mkdirSync(join(folder, 'stray.jsonl'));

    const rerun = runIn(join(dir, 'rerun'), model, [...suite(join(dir, 'rerun')), '--cache-dir', cacheDir]);
    const r = rmbench(rerun.args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: score cache \S+: 3 corrupt line\(s\) \(checksum, values or width wrong\) ignored; their texts are scored again/);
    const results = readJson<Results>(rerun.out);
    expect(results.timing.unique_inputs).toBe(3);
    expect({ subsets: results.subsets, overall: results.overall }).toEqual({ subsets: expected.results.subsets, overall: expected.results.overall });
    expect(readFileSync(rerun.scores, 'utf8')).toBe(expected.scores);
  });

  it('an edited tokenizer (tokenizer.json normalizer) gets new scores from the same cache, equal to a --no-cache run', () => {
    const dir = tempDir();
    const model = join(dir, 'bow');
    writeBagOfWordsModel(model, WEIGHTS);
    const cacheDir = join(dir, 'cache');
    const first = runIn(join(dir, 'first'), model, [...suite(join(dir, 'first')), '--cache-dir', cacheDir]);
    expect(rmbench(first.args).code).toBe(0);
    // Without the Lowercase normalizer "Sure" and "Sorry" are unknown words, weighing 0.
    const tokenizerJson = join(model, 'tokenizer.json');
    writeFileSync(tokenizerJson, JSON.stringify({ ...readJson<Record<string, unknown>>(tokenizerJson), normalizer: null }));
    const fresh = runIn(join(dir, 'fresh'), model, [...suite(join(dir, 'fresh')), '--no-cache']);
    expect(rmbench(fresh.args).code).toBe(0);
    const cached = runIn(join(dir, 'cached'), model, [...suite(join(dir, 'cached')), '--cache-dir', cacheDir]);
    const r = rmbench(cached.args);
    expect(r.code, r.stderr).toBe(0);
    expect(readJson<Results>(cached.out).timing.cached_texts).toBe(0);
    expect(readFileSync(cached.scores, 'utf8')).toBe(readFileSync(fresh.scores, 'utf8'));
    expect(readFileSync(cached.scores, 'utf8')).not.toBe(readFileSync(first.scores, 'utf8'));
  });

  it('over KServe, an edited --tokenizer folder gets new scores from the same cache, equal to a --no-cache run', async () => {
    const dir = tempDir();
    const model = join(dir, 'bow');
    writeBagOfWordsModel(model, WEIGHTS);
    const tokenizer = join(dir, 'tok');
    mkdirSync(tokenizer);
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(model, file), join(tokenizer, file));
    const server = await startServe(model);
    try {
      const cacheDir = join(dir, 'cache');
      const remote = `kserve+${server.url}/bow`;
      const runs = (name: string, cache: readonly string[]) => runIn(join(dir, name), remote, [...suite(join(dir, name)), '--tokenizer', tokenizer, ...cache]);
      const first = runs('first', ['--cache-dir', cacheDir]);
      expect(rmbench(first.args).code).toBe(0);
      const tokenizerJson = join(tokenizer, 'tokenizer.json');
      writeFileSync(tokenizerJson, JSON.stringify({ ...readJson<Record<string, unknown>>(tokenizerJson), normalizer: null }));
      const fresh = runs('fresh', ['--no-cache']);
      expect(rmbench(fresh.args).code).toBe(0);
      const cached = runs('cached', ['--cache-dir', cacheDir]);
      const r = rmbench(cached.args);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(cached.scores, 'utf8')).toBe(readFileSync(fresh.scores, 'utf8'));
      expect(readFileSync(cached.scores, 'utf8')).not.toBe(readFileSync(first.scores, 'utf8'));
    } finally {
      await server.stop();
    }
  });

  it('--cache-dir naming a file is refused with one line naming it', () => {
    const dir = tempDir();
    const model = join(dir, 'bow');
    writeBagOfWordsModel(model, WEIGHTS);
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    const { out, scores, args } = runIn(dir, model, [...suite(dir), '--cache-dir', file]);
    expectRefused(() => rmbench(args), new RegExp(`^rmbench: score cache ${file}: cannot use it \\(a file is in the way of the cache folder\\); pass another --cache-dir, or --no-cache$`), [out, scores, file]);
  });
});

describe('texts of any length', () => {
  /** Whole sentences of real words, at least `chars` characters. */
  const longText = (chars: number) => {
    const sentence = 'Sure, here is a long answer that keeps going with the same few words again and again. ';
    return sentence.repeat(Math.ceil(chars / sentence.length));
  };

  it('a 700,000-character and a 5 MB response score as the end the model reads, in a small heap', () => {
    const dir = tempDir();
    const tail = 'And that is all: sure, here it is, sorry for the length.';
    // What use-lite-bt reads of each long response (its last 128 tokens) is in the short one too.
    const short = `${longText(6000)}${tail}`;
    const rows = [
      { id: 'long', prompt: 'Tell me everything.', chosen: `${longText(700_000)}${tail}`, rejected: `${longText(5_000_000)}${tail}` },
      { id: 'short', prompt: 'Tell me everything.', chosen: short, rejected: short },
    ];
    const { out, scores, args } = runIn(dir, USE_LITE, [...suite(dir, rows), '--no-cache']);
    // Whole-text tokenisation of the 5 MB text needs gigabytes; the windows need a few kB.
    const r = rmbench(args, ROOT, { NODE_OPTIONS: '--max-old-space-size=384' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    const pairs = readFileSync(scores, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; chosen_score: number; rejected_score: number });
    const [long, same] = [pairs.find((p) => p.id === 'long')!, pairs.find((p) => p.id === 'short')!];
    expect(long.chosen_score).toBe(same.chosen_score);
    expect(long.rejected_score).toBe(same.chosen_score);
    // All four responses read the same 128 tokens: one model input.
    expect(readJson<Results>(out).timing).toMatchObject({ unique_texts: 3, unique_inputs: 1, real_tokens: 128 });
  });
});

// The same check on every RewardBench v1 text: test/tokenize-window.e2e.test.ts.
describe('windowed tokenisation keeps exactly the token ids of whole-text tokenisation', () => {
  it('on generated texts (words, long runs without spaces, special tokens, emoji, odd whitespace) for a Unigram tokenizer that never pre-splits (use-lite), a word-level one with special tokens, and a byte-level BPE one that merges runs from their start', async () => {
    const dir = tempDir();
    writeDecoderModel(join(dir, 'llama'), { weights: { sure: 1, here: 1 }, pooling: 'index' });
    writeByteLevelBpeTokenizer(join(dir, 'bpe'));
    const tokenizers = await Promise.all([USE_LITE, join(dir, 'llama'), join(dir, 'bpe')].map((path) => AutoTokenizer.from_pretrained(path, { local_files_only: true })));
    const fragments = ['Sure', ' ', 'here', ' is', '  ', '\n', '\n\n', '\t', 'aaaaaaaa', 'ab', '.', ',', '!!', '42', '1234567', '<|eot_id|>', LLAMA3_BOS, '😀', 'é', 'naïve', '日本語', 'User:', 'Assistant:'];
    // Long runs without spaces at the kept end: a window cut inside one changes how BPE groups the run, up to its end.
    const run = fc.tuple(fc.constantFrom('a', '1'), fc.integer({ min: 1, max: 3000 })).map(([c, n]) => c.repeat(n));
    // Not for use-lite: its Unigram lattice has exact ties inside such runs ("aaaa" scores 4 x "a"),
    // broken by the float rounding of the whole text's path score, wherever the text starts.
    const text = (withRuns: boolean) =>
      fc
        .tuple(fc.array(fc.constantFrom(...fragments), { minLength: 1, maxLength: 600, size: 'max' }), fc.array(withRuns ? fc.oneof(fc.constantFrom(...fragments), run) : fc.constantFrom(...fragments), { maxLength: 4 }))
        .map(([words, end]) => [...words, ...end].join(''));
    const tokenizerAndText = fc.constantFrom(0, 1, 2).chain((which) => fc.tuple(fc.constant(which), text(which !== 0)));
    // Default first windows are multiples of 16 (16 characters per kept token).
    const firstWindow = fc.oneof(fc.integer({ min: 8, max: 128 }), fc.constantFrom(16, 32, 48, 64, 96));
    let windowed = 0;
    fc.assert(
      fc.property(tokenizerAndText, fc.constantFrom<Side>('left', 'right'), fc.integer({ min: 1, max: 40 }), firstWindow, ([which, t], side, need, first) => {
        const tokenizer = tokenizers[which]!;
        const encode = (x: string) => tokenizer.encode(x, { add_special_tokens: false });
        // Runs at the start too, for the right side.
        const compared = compareWindowed(encode, [side === 'left' ? t : [...t].reverse().join('')], side, need, [first]);
        expect(compared.mismatches).toEqual([]);
        windowed += compared.windowed;
      }),
      { seed: 17, numRuns: Number(process.env.RMBENCH_FUZZ_RUNS ?? 200) },
    );
    // Most cases were decided by windows, not by tokenising the whole text.
    expect(windowed).toBeGreaterThan(Number(process.env.RMBENCH_FUZZ_RUNS ?? 200) / 4);
  }, 120_000);
});

/** A Bradley-Terry graph whose "logits" hold one value per token: [batch, `axis`]. */
function writePerTokenModel(dir: string, axis: string): void {
  const vocab = writeTokenizer(dir, Object.keys(WEIGHTS));
  const table = new Float32Array(vocab.size);
  for (const [w, id] of vocab) table[id] = WEIGHTS[w as keyof typeof WEIGHTS] ?? 0;
  const g = new GraphBuilder('per_token');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const perToken = g.node('Gather', [g.init('token_weight', { type: 'float32', dims: [vocab.size], data: table }), ids], { axis: 0 });
  g.node('Mul', [perToken, g.node('Cast', [mask], { to: 1 })], {}, ['logits']);
  g.output('logits', 'float32', ['batch', axis]);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  g.save(join(dir, 'onnx', 'model.onnx'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', num_labels: 1 }));
}

/** A Bradley-Terry graph that sums its tokens' weights ignoring attention_mask, the pad token weighing 1. */
function writeMaskBlindModel(dir: string): void {
  const vocab = writeTokenizer(dir, Object.keys(WEIGHTS));
  const table = new Float32Array(vocab.size);
  for (const [w, id] of vocab) table[id] = w === '[PAD]' ? 1 : (WEIGHTS[w as keyof typeof WEIGHTS] ?? 0);
  const g = new GraphBuilder('mask_blind');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const perToken = g.node('Gather', [g.init('token_weight', { type: 'float32', dims: [vocab.size], data: table }), ids], { axis: 0 });
  g.node('ReduceSum', [perToken, g.ints([1])], { keepdims: 1 }, ['logits']);
  g.output('logits', 'float32', ['batch', 1]);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  g.save(join(dir, 'onnx', 'model.onnx'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', num_labels: 1 }));
}

describe('a model whose outputs change with padding never gives scores that cannot be trusted', () => {
  it('padding changes the outputs on both sides: run and serve exit 1 naming it; inspect lists it as a problem', async () => {
    const dir = tempDir();
    const model = join(dir, 'mask-blind');
    writeMaskBlindModel(model);
    const message = /^rmbench: mask-blind: padding on the right changes the model's outputs \(relative difference [\d.e+-]+\), and so does padding on the left \([\d.e+-]+\): the graph's pooling does not follow attention_mask/;
    const { out, scores, args } = runIn(dir, model, suite(dir));
    expectRefused(() => rmbench(args), message, [out, scores]);
    expect(existsSync(out)).toBe(false);
    const served = await rmbenchAsync(['serve', model, '--port', '0'], {}, 30_000);
    expectRefused(() => served, message);
    const inspected = rmbench(['inspect', model, '--json']);
    expect(inspected.code).toBe(1);
    expect((JSON.parse(inspected.stdout) as { problems: string[] }).problems).toEqual([expect.stringMatching(/padding on the right \(the default\) changes the outputs .*so does padding on the left/)]);
  });

  it('padding changes the outputs on the configured side only: run pads on the other side, warns, records it, and scores as the model should', () => {
    const dir = tempDir();
    const right = join(dir, 'right');
    const left = join(dir, 'left');
    // Reads the state at sum(mask) - 1: right padding is what it expects.
    const weights = { [LLAMA3_BOS]: 8, sure: 1, here: 0.5, sorry: -1, cannot: -0.5 };
    writeDecoderModel(right, { weights, pooling: 'index' });
    writeDecoderModel(left, { weights, pooling: 'index', rmbench: { padding_side: 'left' } });
    const expected = runIn(join(dir, 'a'), right, [...suite(join(dir, 'a')), '--no-cache']);
    expect(rmbench(expected.args).code).toBe(0);
    const switched = runIn(join(dir, 'b'), left, [...suite(join(dir, 'b')), '--no-cache']);
    const r = rmbench(switched.args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: left: padding on the left changes the model's outputs \(relative difference [\d.e+-]+\); padding on the right does not, so rmbench pads on the right: set rmbench\.padding_side to "right" to say so/);
    expect(readJson<Results>(switched.out).config).toMatchObject({ padding_side: 'right' });
    expect(readFileSync(switched.scores, 'utf8')).toBe(readFileSync(expected.scores, 'utf8'));
  });
});

describe('a reward output with a sequence axis is refused, not read at token 0', () => {
  it.each([
    ['declared [batch, sequence]', 'sequence', /output "logits" is \[batch, sequence\]: one value per token; rmbench needs one reward per response/],
    ['under another axis name', 'positions', /output "logits" has \d+ values per response in a batch of \d+ tokens and \d+ in one of \d+: one value per token/],
  ])('%s: run, inspect and serve exit 1', async (_, axis, message) => {
    const dir = tempDir();
    const model = join(dir, 'per-token');
    writePerTokenModel(model, axis);
    const { out, scores, args } = runIn(dir, model, suite(dir));
    expectRefused(() => rmbench(args), message, [out, scores]);
    expectRefused(() => rmbench(['inspect', model]), message);
    // serve would hand the per-token vector to vLLM/TEI clients, which read its first value.
    const served = await rmbenchAsync(['serve', model, '--port', '0'], {}, 30_000);
    expectRefused(() => served, message);
  });
});

describe('chat templates that fail or render nothing', () => {
  it.each([
    ['renders an empty string', '{% if false %}{{ messages }}{% endif %}', /chat_template renders a conversation of 2 message\(s\) to an empty text/],
    ['raises', "{{ raise_exception('no system role') }}", /chat_template fails on a conversation of 2 message\(s\): no system role/],
    ['has a syntax error', '{% for m in messages %}{{ m.content }', /chat_template fails on a conversation of 2 message\(s\): Parser Error: Expected closing expression token/],
    ['drops the response', "{% for m in messages %}{% if m.role == 'user' %}{{ m.content }}{% endif %}{% endfor %}", /chat_template drops the response: conversations that differ only in the response render to the same text/],
    ['renders a fixed reply', "{% for m in messages %}{% if m.role == 'user' %}{{ m.content }}{% else %}ok{% endif %}{% endfor %}", /chat_template drops the response: .* render to the same text/],
    ['renders only the response length', "{% for m in messages %}{{ m.content | length }}{% endfor %}", /chat_template drops the response: conversations that differ only in the response render without it, so every response would read the same$/],
  ])('a template that %s: run exits 1 naming the template; inspect lists it as a problem', (_, template, message) => {
    const dir = tempDir();
    const model = join(dir, 'chat');
    writeBagOfWordsModel(model, WEIGHTS, { chatTemplate: template });
    const named = new RegExp(`${join(model, 'tokenizer_config.json').replace(/[/.]/g, '\\$&')}: ${message.source}`);
    const { out, scores, args } = runIn(dir, model, suite(dir));
    expectRefused(() => rmbench(args), named, [out, scores]);
    const inspected = expectRefused(() => rmbench(['inspect', model, '--json']), named);
    expect((JSON.parse(inspected.stdout) as { problems: string[] }).problems).toEqual([expect.stringMatching(named)]);
  });

  it('a template that drops the response: serve exits 1 naming it', async () => {
    const dir = tempDir();
    const model = join(dir, 'chat');
    writeBagOfWordsModel(model, WEIGHTS, { chatTemplate: "{% for m in messages %}{% if m.role == 'user' %}{{ m.content }}{% endif %}{% endfor %}" });
    const served = await rmbenchAsync(['serve', model, '--port', '0'], {}, 30_000);
    expectRefused(() => served, /tokenizer_config\.json: chat_template drops the response/);
  });
});

describe('rmbench inspect: a handled fallback is a warning, not a problem', () => {
  it('a folder without pad_token (padded with eos, as Hugging Face does) exits 0 with a warning and runs', () => {
    const dir = tempDir();
    const model = join(dir, 'llama-rm');
    writeDecoderModel(model, { weights: { [LLAMA3_BOS]: 8, '<|eot_id|>': 0.5, sure: 1, sorry: -1 }, pooling: 'index' });
    const r = rmbench(['inspect', model, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ problems: [], warnings: [expect.stringMatching(/^no pad_token in tokenizer_config\.json: rmbench pads with eos_token/)] });
    const { args } = runIn(dir, model, suite(dir));
    expect(rmbench(args).code).toBe(0);
  });
});
