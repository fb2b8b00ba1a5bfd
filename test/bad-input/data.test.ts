/**
 * Bad input to `rmbench data import` and to subset loading (issue 17, part A), through the real
 * CLI on copies of the shipped files in temporary folders: each case is refused with exit code 1,
 * one message line without a stack trace, and no file written or changed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, TEST_CACHE, rmbench, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/suite.js';
import { snapshot } from '../helpers/refusal.js';

const SHIPPED = JSON.parse(readFileSync(join(ROOT, 'datasets.manifest.json'), 'utf8'));
const RB1 = 'rewardbench-v1';
const SUBSET = 'mt-bench-easy';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');


/** A folder with a copy of the shipped manifest and of the shipped files the tests touch. */
function workspace(): string {
  const dir = tempDir('rmbench-bad-data-');
  copyFileSync(join(ROOT, 'datasets.manifest.json'), join(dir, 'datasets.manifest.json'));
  mkdirSync(join(dir, 'datasets', RB1), { recursive: true });
  for (const name of [SUBSET, 'alpacaeval-easy']) copyFileSync(join(ROOT, 'datasets', RB1, `${name}.arrow`), join(dir, 'datasets', RB1, `${name}.arrow`));
  writeJsonl(dir, 'pairs.jsonl', [
    { prompt: 'Say hi.', chosen: 'Hi!', rejected: 'No.' },
    { prompt: 'Say bye.', chosen: 'Bye!', rejected: 'No.' },
  ]);
  return dir;
}

function writeJsonl(dir: string, name: string, records: unknown[]): string {
  writeFileSync(join(dir, name), `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return name;
}

/** A manifest with one suite "one" whose only subset is the copied mt-bench-easy file. */
function oneSubsetManifest(dir: string, patch: (entry: Record<string, unknown>) => void = () => {}): string {
  const entry = { ...SHIPPED.suites[RB1].subsets.find((s: { name: string }) => s.name === SUBSET) };
  patch(entry);
  const manifest = { manifest_version: 1, suites: { one: { version: '1', sections: { [entry.section]: { weight: 1 } }, subsets: [entry] } } };
  writeFileSync(join(dir, 'one.manifest.json'), JSON.stringify(manifest, null, 2));
  return 'one.manifest.json';
}

/** Refused: exit 1, one line naming the problem, no stack trace, nothing in `dir` written or changed. */
function expectRefused(dir: string, args: string[], message: RegExp): CliResult {
  const before = snapshot(dir);
  const r = rmbench(args, dir);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/^ {4}at |internal error/m);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(snapshot(dir)).toEqual(before);
  return r;
}

const run = (manifest: string, suite = 'one') => ['run', 'length', '--suite', suite, '--manifest', manifest, '--out', 'out/results.json'];

describe('data import writes only inside its own suite (defect 4)', () => {
  it.each([
    ['a suite name with a path in it', 'x/../rewardbench-v1'],
    ['a suite name that climbs out of the folder', '../../../../tmp/escape'],
    ['an empty suite name', ''],
    ['a suite name of dots', '..'],
  ])('refuses %s', (_, suite) => {
    const dir = workspace();
    expectRefused(dir, ['data', 'import', 'pairs.jsonl', '--suite', suite, '--subset', 'alpacaeval-easy', '--manifest', 'datasets.manifest.json'], /suite name ".*": expected letters, digits/);
    expect(existsSync('/tmp/escape')).toBe(false);
  });

  it("refuses an --out-dir that would overwrite another suite's subset file", () => {
    const dir = workspace();
    const args = ['data', 'import', 'pairs.jsonl', '--suite', 'mine', '--subset', 'alpacaeval-easy', '--out-dir', join('datasets', RB1), '--manifest', 'datasets.manifest.json'];
    expectRefused(dir, args, /would overwrite .*alpacaeval-easy\.arrow, which belongs to suite "rewardbench-v1" subset "alpacaeval-easy"/);
  });

  it("refuses an --out-dir outside the manifest's folder", () => {
    const dir = workspace();
    const outside = tempDir('rmbench-outside-');
    expectRefused(dir, ['data', 'import', 'pairs.jsonl', '--suite', 'mine', '--subset', 's', '--out-dir', outside, '--manifest', 'datasets.manifest.json'], /--out-dir .*: must be inside the manifest's folder/);
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('concurrent imports into one manifest (defect 5)', () => {
  it('keeps every suite when six imports run at once', async () => {
    const dir = workspace();
    const suites = Array.from({ length: 6 }, (_, i) => `concurrent-${i}`);
    const results = await Promise.all(
      suites.map(
        (suite) =>
          new Promise<{ code: number | null; stderr: string }>((done) => {
            const child = spawn(process.execPath, [CLI, 'data', 'import', 'pairs.jsonl', '--suite', suite, '--subset', 's', '--manifest', 'datasets.manifest.json'], {
              cwd: dir,
              env: { ...process.env, FORCE_COLOR: '0', RMBENCH_CACHE_DIR: TEST_CACHE },
            });
            let stderr = '';
            child.stderr.on('data', (chunk) => (stderr += chunk));
            child.on('close', (code) => done({ code, stderr }));
          }),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'datasets.manifest.json'), 'utf8'));
    expect(Object.keys(manifest.suites)).toEqual(expect.arrayContaining([...Object.keys(SHIPPED.suites), ...suites]));
    expect(existsSync(join(dir, 'datasets.manifest.json.lock'))).toBe(false);
    const r = rmbench(run('datasets.manifest.json', 'concurrent-5'), dir);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('re-importing changed data marks the version (defect 6)', () => {
  it('keeps the version for the same data and changes it, saying so, for changed data', () => {
    const dir = workspace();
    const imp = (file: string) => rmbench(['data', 'import', file, '--suite', 'mine', '--subset', 's', '--manifest', 'datasets.manifest.json'], dir);
    const version = () => JSON.parse(readFileSync(join(dir, 'datasets.manifest.json'), 'utf8')).suites.mine.version as string;
    expect(imp('pairs.jsonl').code).toBe(0);
    expect(version()).toBe('1');
    const same = imp('pairs.jsonl');
    expect(same.code).toBe(0);
    expect(same.stdout).not.toMatch(/data changed/);
    expect(version()).toBe('1');
    writeJsonl(dir, 'changed.jsonl', [{ prompt: 'Say hi.', chosen: 'Hello!', rejected: 'No.' }]);
    const changed = imp('changed.jsonl');
    expect(changed.code, changed.stderr).toBe(0);
    expect(version()).toMatch(/^1\+[0-9a-f]{8}$/);
    expect(changed.stdout).toContain(`data changed: suite "mine" version 1 -> ${version()}; s (changed)`);
  });
});

describe('corrupt bytes in a subset file, checksum updated (defects 11, 13)', () => {
  it.each([8, 12, 72, 340])('refuses a file with byte %i changed, in run (streaming) and data overlap (whole-file) reads', (offset) => {
    const dir = workspace();
    const path = join(dir, 'datasets', RB1, `${SUBSET}.arrow`);
    const bytes = readFileSync(path);
    bytes[offset]! ^= 0xff;
    writeFileSync(path, bytes);
    const manifest = oneSubsetManifest(dir, (entry) => (entry.sha256 = sha256(bytes)));
    expectRefused(dir, run(manifest), new RegExp(`${SUBSET}\\.arrow: corrupt Arrow IPC file`));
    expectRefused(dir, ['data', 'overlap', 'pairs.jsonl', '--suite', 'one', '--manifest', manifest], new RegExp(`${SUBSET}\\.arrow: corrupt Arrow IPC file`));
  });
});

describe('import refuses duplicate and colliding ids (defect 12)', () => {
  it.each([
    ['a repeated id', [{ id: '1' }, { id: '1' }], /row 1, field "id" \(id\): duplicate id "1" in subset "s" \(also row 0\)/],
    ['an explicit id equal to a missing id\'s row number', [{ id: 1 }, {}], /row 1, field "id" \(id\): duplicate id "1" in subset "s" \(also row 0; a missing id becomes the row number\)/],
    ['object ids', [{ id: { a: 1 } }, { id: { b: 2 } }], /2 problems|row 0, field "id" \(id\): object, expected a string or a number/],
  ])('refuses %s', (_, ids, message) => {
    const dir = workspace();
    const records = ids.map((id, i) => ({ ...id, prompt: `Question ${i}?`, chosen: 'Yes.', rejected: 'No.' }));
    const r = rmbench(['data', 'import', writeJsonl(dir, 'ids.jsonl', records), '--suite', 'mine', '--subset', 's', '--manifest', 'datasets.manifest.json'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/^ {4}at |internal error/m);
    expect(JSON.parse(readFileSync(join(dir, 'datasets.manifest.json'), 'utf8'))).toEqual(SHIPPED);
  });

  it('refuses object ids in one line when there is one', () => {
    const dir = workspace();
    writeJsonl(dir, 'ids.jsonl', [{ id: { a: 1 }, prompt: 'Q?', chosen: 'Yes.', rejected: 'No.' }]);
    expectRefused(dir, ['data', 'import', 'ids.jsonl', '--suite', 'mine', '--subset', 's', '--manifest', 'datasets.manifest.json'], /row 0, field "id" \(id\): object, expected a string or a number/);
  });
});

describe('other user mistakes get one line, not a stack trace (defect 13)', () => {
  it('refuses a null line in a JSONL import', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'null.jsonl'), '{"prompt":"Q?","chosen":"Yes.","rejected":"No."}\nnull\n');
    expectRefused(dir, ['data', 'import', 'null.jsonl', '--suite', 'mine', '--subset', 's', '--manifest', 'datasets.manifest.json'], /null\.jsonl: row 1: null, expected an object/);
  });

  it('refuses a sections file whose sections all weigh 0', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'sections.json'), JSON.stringify({ sections: { A: { weight: 0, subsets: { s: 1 } } } }));
    expectRefused(dir, ['data', 'import', 'pairs.jsonl', '--suite', 'mine', '--subset', 's', '--sections', 'sections.json', '--manifest', 'datasets.manifest.json'], /sections\.json: sections: every section weighs 0/);
  });

  it('refuses a manifest whose sections all weigh 0 when the suite is loaded, before scoring', () => {
    const dir = workspace();
    const manifest = oneSubsetManifest(dir);
    const data = JSON.parse(readFileSync(join(dir, manifest), 'utf8'));
    for (const section of Object.values(data.suites.one.sections) as { weight: number }[]) section.weight = 0;
    writeFileSync(join(dir, manifest), JSON.stringify(data));
    expectRefused(dir, run(manifest), /suites\.one\.sections: every section weighs 0/);
  });

  it('refuses a partial run whose selected sections all weigh 0', () => {
    const dir = workspace();
    const data = structuredClone(SHIPPED);
    data.suites[RB1].sections.Chat.weight = 0;
    writeFileSync(join(dir, 'datasets.manifest.json'), JSON.stringify(data));
    expectRefused(dir, [...run('datasets.manifest.json', RB1), '--subsets', SUBSET], /the sections of the selected subsets \(Chat\) all weigh 0/);
  });
});

describe("subset files stay inside the manifest's folder (defect 14)", () => {
  it.each([
    ['a relative path out of the folder', '../../etc/passwd'],
    ['an absolute path', '/dev/zero'],
  ])('refuses %s', (_, file) => {
    const dir = workspace();
    const manifest = oneSubsetManifest(dir, (entry) => (entry.file = file));
    expectRefused(dir, run(manifest), /suites\.one\.subsets\.0\.file: a path inside the manifest's folder/);
  });

  it('never hashes a device reached through a link inside the folder', () => {
    const dir = workspace();
    symlinkSync('/dev/zero', join(dir, 'datasets', 'zero.arrow'));
    const manifest = oneSubsetManifest(dir, (entry) => (entry.file = 'datasets/zero.arrow'));
    expectRefused(dir, run(manifest), /zero\.arrow: cannot read subset file "mt-bench-easy" \(not a regular file\)/);
    expectRefused(dir, ['data', 'overlap', 'pairs.jsonl', '--suite', 'one', '--manifest', manifest], /zero\.arrow: cannot read subset file "mt-bench-easy" \(not a regular file\)/);
  });
});
