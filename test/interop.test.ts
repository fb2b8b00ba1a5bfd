import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { importResults } from '../src/interop/import-results.js';
import { UserError } from '../src/errors.js';
import type { Results } from '../src/report/schema.js';
import { ROOT, rmbench } from './helpers/cli.js';
import { tempDir, writeSuite } from './helpers/suite.js';
import { writeBagOfWordsModel } from './helpers/tiny-models.js';
import { snapshot } from './helpers/refusal.js';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const readLines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');
const writeJsonl = (path: string, rows: object[]) => writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
/** What a run's figures are: everything computed from its items. */
const FIGURES = ['subsets', 'sections', 'section_weights', 'overall', 'section_details', 'overall_details', 'confidence_intervals', 'length_bias'] as const;
const figures = (r: Results) => Object.fromEntries(FIGURES.map((k) => [k, r[k]]));


/** A user's mistake: exit 1, the message on stderr, no stack trace. */
function expectRefusal(r: { code: number | null; stderr: string }, message: RegExp) {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/internal error/);
}

describe('reward-bench v1: export -> import-results round trip on a real run of the shipped suite', () => {
  const dir = tempDir();
  const run = join(dir, 'length.json');
  const exported = join(dir, 'rb');
  beforeAll(() => {
    const r = rmbench(['run', 'length', '--out', run, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const e = rmbench(['export', run, '--format', 'reward-bench', '--out-dir', exported]);
    expect(e.code, e.stderr).toBe(0);
  }, 60_000);

  it("writes reward-bench's eval-set: unrounded accuracies equal to the results' subsets", () => {
    const results = readJson<Results>(run);
    const evalSet = readJson<Record<string, unknown>>(join(exported, 'eval-set', 'length.json'));
    expect(evalSet).toMatchObject({ model: 'length', model_type: 'Seq. Classifier', chat_template: null });
    expect(Object.keys(evalSet).length).toBe(3 + Object.keys(results.subsets).length);
    for (const [name, s] of Object.entries(results.subsets)) expect(evalSet[name]).toBe(s.accuracy);
    // save_to_hub's json.dumps(indent=4, sort_keys=True)
    const text = readFileSync(join(exported, 'eval-set', 'length.json'), 'utf8');
    expect(text.split('\n')[1]).toMatch(/^ {4}"alpacaeval-easy": /);
  });

  it('writes eval-set-scores column by column, results = chosen > rejected, integer ids', () => {
    const scores = readJson<Record<string, unknown[]>>(join(exported, 'eval-set-scores', 'length.json'));
    const lines = readLines(join(dir, 'length.scores.jsonl')).map((l) => JSON.parse(l) as { id: string; subset: string; chosen_score: number; rejected_score: number });
    for (const column of ['id', 'subset', 'results', 'scores_chosen', 'scores_rejected']) expect(scores[column]).toHaveLength(2985);
    lines.forEach((line, i) => {
      expect(scores.id![i]).toBe(Number(line.id));
      expect(scores.subset![i]).toBe(line.subset);
      expect(scores.scores_chosen![i]).toBe(line.chosen_score);
      expect(scores.results![i]).toBe(line.chosen_score > line.rejected_score ? 1 : 0);
    });
  });

  it('imports back to identical figures and identical per-item outcomes', () => {
    const out = join(dir, 'imported.json');
    const r = rmbench(['import-results', join(exported, 'eval-set-scores', 'length.json'), '--suite', 'rewardbench-v1', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const original = readJson<Results>(run);
    const imported = readJson<Results>(out);
    expect(figures(imported)).toEqual(figures(original));
    expect(imported.partial).toBe(false);
    expect(imported.config).toMatchObject({ source: 'reward-bench eval-set-scores', format: 'v1' });
    expect(readLines(join(dir, 'imported.scores.jsonl'))).toEqual(readLines(join(dir, 'length.scores.jsonl')));
  });

  it('writes an Every Eval Ever record with the bootstrap intervals in its uncertainty fields', () => {
    const out = join(dir, 'eee');
    const r = rmbench(['export', run, '--format', 'eee', '--out-dir', out, '--organization', 'tests']);
    expect(r.code, r.stderr).toBe(0);
    const results = readJson<Results>(run);
    const record = readJson<Record<string, any>>(join(out, 'rewardbench-v1', 'length.json'));
    // eval.schema.json 0.2.1: the required top-level fields, and no field it does not declare
    const declared = ['schema_version', 'evaluation_id', 'evaluation_timestamp', 'retrieved_timestamp', 'source_metadata', 'eval_library', 'model_info', 'evaluation_results', 'detailed_evaluation_results'];
    expect(Object.keys(record).filter((k) => !declared.includes(k))).toEqual([]);
    expect(record).toMatchObject({
      schema_version: '0.2.1',
      source_metadata: { source_type: 'evaluation_run', source_organization_name: 'tests', evaluator_relationship: 'other' },
      eval_library: { name: 'rmbench', version: results.rmbench_version },
      model_info: { name: 'length', id: 'length' },
    });
    expect(record.retrieved_timestamp).toMatch(/^\d+(\.\d+)?$/);
    const byName = new Map((record.evaluation_results as any[]).map((e) => [e.evaluation_name, e]));
    expect(byName.size).toBe(1 + 4 + 23);
    const overall = byName.get('Score');
    expect(overall.score_details.score).toBe(results.overall);
    expect(overall.score_details.uncertainty).toEqual({
      confidence_interval: { lower: results.confidence_intervals.overall.low, upper: results.confidence_intervals.overall.high, confidence_level: 0.95, method: expect.stringMatching(/bootstrap/) },
      num_samples: 2985,
      num_bootstrap_samples: 2000,
    });
    expect(byName.get('Chat Hard').score_details.score).toBe(results.sections['Chat Hard']);
    expect(byName.get('math-prm').score_details.uncertainty.confidence_interval.lower).toBe(results.confidence_intervals.subsets['math-prm']!.low);
    for (const e of byName.values()) {
      expect(e.metric_config).toMatchObject({ lower_is_better: false, score_type: 'continuous', min_score: 0, max_score: 1 });
      expect(e.source_data).toMatchObject({ dataset_name: 'rewardbench-v1', source_type: 'other' });
      for (const v of Object.values({ ...e.score_details.details, ...e.source_data.additional_details })) expect(typeof v).toBe('string');
    }
  });
});

describe('RewardBench 2 shapes: best-of-4 and Ties round trip', () => {
  it('exports scores[], num_correct and results (the generic value for "Ties") and imports back to identical figures', () => {
    const dir = tempDir();
    writeJsonl(join(dir, 'rb2.jsonl'), [
      { id: 'f1', prompt: 'p', chosen: ['aaaa'], rejected: ['a', 'bb', 'ccc'], num_correct: 1, num_incorrect: 3, subset: 'Factuality' },
      { id: 'f2', prompt: 'p', chosen: ['aa'], rejected: ['bb', 'c', 'd'], num_correct: 1, num_incorrect: 3, subset: 'Factuality' },
      { id: 'f3', prompt: 'p', chosen: ['a'], rejected: ['bb', 'c', 'd'], num_correct: 1, num_incorrect: 3, subset: 'Factuality' },
      { id: 'ref:1', prompt: 'q', chosen: ['xxxxx'], rejected: ['xxx', 'x'], num_correct: 1, num_incorrect: 2, subset: 'Ties' },
      { id: 'tied:1', prompt: 'q', chosen: ['xxxxxx', 'xxxx'], rejected: ['xx'], num_correct: 2, num_incorrect: 1, subset: 'Ties' },
    ]);
    const imp = rmbench(['data', 'import', 'rb2.jsonl', '--suite', 'rb2', '--sections', join(ROOT, 'datasets', 'sections', 'rewardbench-2.json')], dir);
    expect(imp.code, imp.stderr).toBe(0);
    const run = join(dir, 'r.json');
    expect(rmbench(['run', 'length', '--suite', 'rb2', '--out', run, '--no-progress'], dir).code).toBe(0);
    expect(rmbench(['export', run, '--format', 'reward-bench', '--out-dir', 'rb'], dir).code).toBe(0);
    const scores = readJson<Record<string, unknown>>(join(dir, 'rb', 'eval-set-scores', 'length.json'));
    expect(scores).toMatchObject({
      id: ['f1', 'f2', 'f3', 'ref:1', 'tied:1'],
      subset: ['Factuality', 'Factuality', 'Factuality', 'Ties', 'Ties'],
      scores: [[4, 1, 2, 3], [2, 2, 1, 1], [1, 2, 1, 1], [5, 3, 1], [6, 4, 2]],
      num_correct: [1, 1, 1, 1, 2],
      // best-of-4: 1/#maxima when the chosen is among them (f2 ties "bb"). Ties too: run_v2.py nulls
      // the results only of a subset named exactly "ties", so published "Ties" rows keep this value.
      results: [1, 0.5, 0, 1, 1],
    });
    expect(readJson<Record<string, unknown>>(join(dir, 'rb', 'eval-set', 'length.json'))).toMatchObject({ Factuality: 0.5, Ties: 0.6 });
    const out = join(dir, 'imported.json');
    const r = rmbench(['import-results', join('rb', 'eval-set-scores', 'length.json'), '--suite', 'rb2', '--out', out], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(figures(readJson<Results>(out))).toEqual(figures(readJson<Results>(run)));
    expect(readJson<Results>(out).config).toMatchObject({ format: 'v2' });

    // Review round 2, defect 9: a Ties row's results may be null (a subset named "ties") or the
    // generic value, and scores may be one-element lists, as reward-bench reads them; any other
    // Ties value is refused.
    const variant = (name: string, edit: (file: { results: (number | null)[]; scores: unknown[][] }) => void) => {
      const file = readJson<{ results: (number | null)[]; scores: unknown[][] }>(join(dir, 'rb', 'eval-set-scores', 'length.json'));
      edit(file);
      writeFileSync(join(dir, `${name}.json`), JSON.stringify(file));
      return rmbench(['import-results', `${name}.json`, '--suite', 'rb2', '--out', `${name}-results.json`], dir);
    };
    const nulls = variant('nulls', (f) => f.results.splice(3, 2, null, null));
    expect(nulls.code, nulls.stderr).toBe(0);
    expect(figures(readJson<Results>(join(dir, 'nulls-results.json')))).toEqual(figures(readJson<Results>(run)));
    const nested = variant('nested', (f) => (f.scores = f.scores.map((row) => row.map((x) => [x]))));
    expect(nested.code, nested.stderr).toBe(0);
    expect(figures(readJson<Results>(join(dir, 'nested-results.json')))).toEqual(figures(readJson<Results>(run)));
    const wrong = variant('wrong', (f) => (f.results[3] = 0.5));
    expectRefusal(wrong, /wrong\.json: row 3 \(Ties\/ref:1\): results says 0\.5, expected null or 1 \(1\/#maxima when the first of its scores 5, 3, 1 is a maximum, else 0\)/);
    expect(existsSync(join(dir, 'wrong-results.json'))).toBe(false);
  });
});

describe('v1 eval-set-scores carry the run\'s chat template (review round 2, defect 9)', () => {
  it('eval-set says "tokenizer", eval-set-scores the template itself, as run_rm.py writes them', () => {
    const dir = tempDir();
    writeSuite(dir, 'mini', [{ name: 's', section: 'all', rows: [{ id: '0', prompt: 'q', chosen: 'good', rejected: 'bad' }] }]);
    const template = '{% for m in messages %}{{ m.role }}: {{ m.content }} {% endfor %}';
    writeBagOfWordsModel(join(dir, 'rm'), { good: 1, bad: -1 }, { chatTemplate: template });
    const run = join(dir, 'rm.json');
    const r = rmbench(['run', join(dir, 'rm'), '--suite', 'mini', '--manifest', 'datasets.manifest.json', '--out', run, '--no-progress'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(readJson<Results>(run).chat_template).toBe(template);
    const e = rmbench(['export', run, '--format', 'reward-bench', '--out-dir', 'rb'], dir);
    expect(e.code, e.stderr).toBe(0);
    expect(readJson<Record<string, unknown>>(join(dir, 'rb', 'eval-set', 'rm.json')).chat_template).toBe('tokenizer');
    expect(readJson<Record<string, unknown>>(join(dir, 'rb', 'eval-set-scores', 'rm.json')).chat_template).toBe(template);
  });
});

describe('import-results refuses a file that cannot be trusted, naming the problem, and writes nothing', () => {
  const dir = tempDir();
  const manifest = writeSuite(dir, 'tiny', [
    { name: 'alpha', section: 'A', rows: [1, 2, 3].map((i) => ({ id: String(i), prompt: `q${i}`, chosen: 'long answer here', rejected: 'short' })) },
    { name: 'beta', section: 'B', rows: [1, 2].map((i) => ({ id: String(i), prompt: `r${i}`, chosen: 'x', rejected: 'yy' })) },
  ]);
  const valid = () => ({
    model: 'org/rm',
    model_type: 'Seq. Classifier',
    chat_template: 'tokenizer',
    id: [1, 2, 3, 1, 2],
    subset: ['alpha', 'alpha', 'alpha', 'beta', 'beta'],
    results: [1, 0, 1, 1, 0],
    scores_chosen: [2.5, -1, 0.25, 3, 1],
    scores_rejected: [1, 0.5, 0, 2, 1],
  });
  const out = join(dir, 'out', 'r.json');
  beforeAll(() => {
    writeFileSync(join(dir, 'good.json'), JSON.stringify(valid()));
    const r = rmbench(['import-results', 'good.json', '--suite', 'tiny', '--manifest', manifest, '--out', out], dir);
    expect(r.code, r.stderr).toBe(0);
  });

  const refused = (name: string, content: string | object, message: RegExp, extra: string[] = []) => {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    const before = snapshot(join(dir, 'out'));
    const r = rmbench(['import-results', name, '--suite', 'tiny', '--manifest', manifest, '--out', out, ...extra], dir);
    expectRefusal(r, message);
    expect(snapshot(join(dir, 'out'))).toEqual(before);
    return r;
  };

  it('imports the valid file: ties wrong, ids as strings, recorded decisions kept', () => {
    const results = readJson<Results>(out);
    expect(results.subsets.alpha).toMatchObject({ n: 3, correct: 2, accuracy: 2 / 3 });
    expect(results.subsets.beta).toMatchObject({ n: 2, correct: 1, ties: 1, accuracy: 0.5 });
    expect(results).toMatchObject({ model: 'org/rm', model_type: 'Seq. Classifier', chat_template: 'tokenizer', overall: (2 / 3 + 0.5) / 2 });
  });

  it('a duplicated (subset, id) is named in one line', () => {
    const file = valid();
    file.id[2] = 2;
    const r = refused('dup.json', file, /^ {2}- duplicate \(subset, id\): \(alpha, 2\) in rows 1 and 2$/m);
    // The duplicate on its line, then what it leaves missing.
    expect(r.stderr.trim().split('\n')).toEqual(['rmbench: dup.json: 2 problems', '  - duplicate (subset, id): (alpha, 2) in rows 1 and 2', '  - subset alpha: missing id 3']);
  });

  it('missing items and counts per subset', () => {
    const file = valid();
    for (const column of ['id', 'subset', 'results', 'scores_chosen', 'scores_rejected'] as const) file[column].splice(4, 1);
    refused('missing.json', file, /subset beta: 1 rows in the file, 2 items in suite tiny v1\n.*subset beta: missing id 2/s);
  });

  it('a subset the suite lacks, and ids it lacks', () => {
    const file = valid();
    file.subset[4] = 'gamma';
    file.id[0] = 9;
    refused('unknown.json', file, /subset "gamma" \(1 rows\) not in suite tiny v1.*subset alpha: id 9 not in the suite/s);
  });

  it("a results column that disagrees with the file's own scores", () => {
    const file = valid();
    file.results[1] = 1;
    refused('disagree.json', file, /disagree\.json: row 1 \(alpha\/2\): results says 1, its scores -1, 0\.5 give 0$/m);
  });

  it('null scores (reward-bench custom classifiers), wrong types, uneven columns', () => {
    const file: Record<string, unknown[] | string> = valid();
    (file.scores_chosen as unknown[])[3] = null;
    refused('null.json', file, /column "scores_chosen", row 3: expected a number, got null \(reward-bench writes null scores/);
    const strings = { ...valid(), id: [1, 2, 3, 1.5, 2] };
    refused('float-id.json', strings, /column "id", row 3: expected an integer or a string/);
    const uneven = { ...valid(), results: [1, 0, 1] };
    refused('uneven.json', uneven, /column "results" has 3 entries, column "id" has 5/);
  });

  it('not a reward-bench file, not JSON, an unknown suite', () => {
    refused('array.json', [1, 2], /array\.json: expected a JSON object of columns \(reward-bench eval-set-scores\), got an array/);
    refused('plain.json', { model: 'm', alpha: 0.5 }, /neither a "scores_chosen" column \(eval-set-scores v1\) nor a "scores" column \(v2\)/);
    refused('broken.json', '{"id": [1,', /broken\.json: not valid JSON/);
    refused('good2.json', valid(), /no suite "nope"/, ['--suite', 'nope']);
  });

  it('v2: an item whose number of scores differs from the suite', () => {
    const file = { ...valid(), scores: [[1, 0], [1, 0], [1, 0, 0], [1, 0], [1, 0]], num_correct: [1, 1, 1, 1, 1], results: [1, 1, 1, 1, 1] };
    delete (file as Partial<typeof file>).scores_chosen;
    refused('v2.json', file, /row 2 \(alpha\/3\): 3 scores with 1 correct, the suite's item has 2 responses with 1 chosen/);
  });

  it('fuzz: a mutated file is refused with a UserError or imported with the accuracies its scores give', async () => {
    const columns = ['id', 'subset', 'results', 'scores_chosen', 'scores_rejected'] as const;
    const value = fc.oneof(fc.integer({ min: -3, max: 5 }), fc.double({ noNaN: false }), fc.constantFrom(null, 'alpha', 'beta', '2', true, [], {}));
    const mutation = fc.record({ column: fc.constantFrom(...columns), row: fc.integer({ min: 0, max: 6 }), value, drop: fc.boolean() });
    let imported = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const file: Record<string, unknown[] | string> = valid();
        for (const m of mutations) {
          const list = file[m.column] as unknown[];
          if (m.drop) list.splice(m.row, 1);
          else list[m.row] = m.value;
        }
        const path = join(dir, 'fuzz.json');
        writeFileSync(path, JSON.stringify(file));
        try {
          const { results } = await importResults({ file: path, suite: 'tiny', manifest });
          imported++;
          // Accepted: every subset's accuracy is what the file's scores give, pair by pair.
          const chosen = file.scores_chosen as number[];
          const rejected = file.scores_rejected as number[];
          for (const [name, s] of Object.entries(results.subsets)) {
            const rows = (file.subset as string[]).map((sub, i) => (sub === name ? i : -1)).filter((i) => i >= 0);
            expect(s.n).toBe(rows.length);
            expect(s.correct).toBe(rows.filter((i) => chosen[i]! > rejected[i]!).length);
          }
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          refused++;
        }
      }),
      { seed: 20240, numRuns: Number(process.env.RMBENCH_FUZZ_RUNS ?? 150), timeout: 5_000, interruptAfterTimeLimit: 10_000 },
    );
    // Both ways occur under this seed: mutations that keep every decision are accepted.
    expect(imported).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});

describe('export refuses what it cannot write faithfully, and writes nothing', () => {
  const dir = tempDir();
  beforeAll(() => {
    expect(rmbench(['run', 'length', '--subsets', 'hep-go', '--out', join(dir, 'partial.json'), '--no-progress']).code).toBe(0);
    expect(rmbench(['run', 'length', '--suite', 'rm-bench', '--out', join(dir, 'rmb.json'), '--no-progress']).code).toBe(0);
  }, 60_000);

  const refused = (args: string[], message: RegExp) => {
    const before = snapshot(dir);
    expectRefusal(rmbench(['export', ...args, '--out-dir', join(dir, 'out')]), message);
    expect(snapshot(dir)).toEqual(before);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  };

  it('a partial run, RM-Bench to reward-bench, a model name that leaves the folder', () => {
    refused([join(dir, 'partial.json'), '--format', 'reward-bench'], /partial\.json: a partial run .* is not an evaluation of the suite/);
    refused([join(dir, 'rmb.json'), '--format', 'reward-bench'], /reward-bench has no format for the style-matrix metric \(RM-Bench\); use --format eee/);
    const escaped = { ...readJson<Results>(join(dir, 'rmb.json')), model: '../../evil' };
    writeFileSync(join(dir, 'escaped.json'), JSON.stringify(escaped));
    refused([join(dir, 'escaped.json'), '--format', 'eee'], /model name "\.\.\/\.\.\/evil" cannot be a file path under the output folder/);
  });
});
