/**
 * The HTML report, checked in a real headless browser: a real run of the CLI (the pick-the-longer
 * baseline on the shipped rewardbench-v1 suite), `rmbench report --html`, then Chromium renders the
 * page and the test reads the laid-out DOM and the pixels of a screenshot. Needs Debian's chromium
 * (/usr/bin/chromium, or RMBENCH_CHROMIUM): without it the browser tests are skipped with one line
 * saying so, except under CI=true, where they fail (test/helpers/requires.ts).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../src/report/html.js';
import { LENGTH_CATEGORIES, type PairOutcome, type Results } from '../src/report/schema.js';
import { rmbench } from './helpers/cli.js';
import { launchChromium } from './helpers/requires.js';
import { tempDir } from './helpers/suite.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

let dir: string;
let resultsPath: string;
let htmlPath: string;
let results: Results;
let pairs: PairOutcome[];
const browser = await launchChromium();

beforeAll(async () => {
  dir = tempDir('rmbench-report-');
  resultsPath = join(dir, 'r.json');
  htmlPath = join(dir, 'r.html');
  const run = rmbench(['run', 'length', '--out', resultsPath, '--no-progress']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const report = rmbench(['report', resultsPath, '--html', htmlPath]);
  expect(report.stderr).toBe('');
  expect(report.code).toBe(0);
  expect(report.stdout).toContain(htmlPath);
  results = JSON.parse(readFileSync(resultsPath, 'utf8')) as Results;
  pairs = readFileSync(join(dir, results.scores_file), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PairOutcome);
});

afterAll(async () => {
  await browser?.close();
});

/** A page that records every request and every console error or page error. */
async function openPage(): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser!.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, requests, errors };
}

/** Distinct colours, and the share of pixels that are not (near) white. */
function pixelStats(png: PNG) {
  const colours = new Set<number>();
  let ink = 0;
  let blue = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
    colours.add((r << 16) | (g << 8) | b);
    if (r < 235 || g < 235 || b < 235) ink++;
    // The model's bars (#3568d4), allowing for antialiasing.
    if (Math.abs(r - 0x35) < 24 && Math.abs(g - 0x68) < 24 && Math.abs(b - 0xd4) < 24) blue++;
  }
  const pixels = png.width * png.height;
  return { colours: colours.size, ink: ink / pixels, blue };
}

describe.skipIf(!browser)('rmbench report --html (headless Chromium)', () => {
  it('renders a real run: section bars with intervals, one row per subset, score histograms, the length-bias view, and paints a non-blank page', async () => {
    const { page, requests, errors } = await openPage();
    const url = pathToFileURL(htmlPath).href;
    await page.goto(url, { waitUntil: 'load' });
    // Self-contained: the document is the only request, and nothing was blocked or failed.
    expect(requests).toEqual([url]);
    expect(errors).toEqual([]);

    const dom = await page.evaluate(() => {
      const width = (el: Element | null | undefined) => (el ? el.getBoundingClientRect().width : 0);
      const height = (el: Element) => el.getBoundingClientRect().height;
      const bars = (id: string) => [...document.querySelectorAll(`svg#${id} rect.bar`)].filter((r) => height(r) > 0).map((r) => r.getAttribute('data-series'));
      return {
        scripts: document.querySelectorAll('script').length,
        sections: [...document.querySelectorAll('[data-section]')].map((g) => ({
          name: g.getAttribute('data-section'),
          bar: width(g.querySelector('.bar')),
          track: width(g.querySelector('.track')),
          whisker: width(g.querySelector('.interval')),
          text: g.textContent,
        })),
        overall: { bar: width(document.querySelector('[data-overall] .bar')), text: document.querySelector('#overall')?.textContent ?? '' },
        subsets: [...document.querySelectorAll<HTMLTableRowElement>('tr[data-subset]')].map((tr) => ({
          name: tr.dataset.subset,
          cells: [...tr.cells].map((c) => c.textContent!.trim()),
          tiesFlagged: tr.querySelector('.ties-flag') !== null,
          meter: width(tr.querySelector('.meter-bar')),
        })),
        scoreBars: bars('score-histogram'),
        marginBars: bars('margin-histogram'),
        lengthRows: [...document.querySelectorAll('#length-bias-chart [data-length-subset]')].map((g) => ({
          name: g.getAttribute('data-length-subset'),
          model: width(g.querySelector('.model-bar')),
          baseline: width(g.querySelector('.baseline-bar')),
        })),
        flag: document.querySelector('#length-flag')?.textContent ?? null,
        categories: [...document.querySelectorAll<HTMLElement>('tr[data-category]')].map((tr) => tr.dataset.category),
      };
    });
    expect(dom.scripts).toBe(0);

    // One bar per section, as long as its score on the 0-100% track, with its interval whisker.
    expect(dom.sections.map((s) => s.name)).toEqual(Object.keys(results.sections));
    for (const s of dom.sections) {
      const score = results.sections[s.name!]!;
      const iv = results.confidence_intervals.sections[s.name!]!;
      expect(s.bar).toBeGreaterThan(0);
      expect(Math.abs(s.bar - score * s.track)).toBeLessThan(1.5);
      expect(Math.abs(s.whisker - (iv.high - iv.low) * s.track)).toBeLessThan(3);
      expect(s.text).toContain(pct(score));
    }
    expect(dom.overall.bar).toBeGreaterThan(0);
    expect(dom.overall.text).toContain(pct(results.overall));

    // One row per subset, in order, with accuracy, interval, n, correct and ties; ties flagged iff non-zero.
    expect(dom.subsets.map((s) => s.name)).toEqual(Object.keys(results.subsets));
    expect(dom.subsets).toHaveLength(23);
    for (const row of dom.subsets) {
      const s = results.subsets[row.name!]!;
      const iv = results.confidence_intervals.subsets[row.name!]!;
      const lb = results.length_bias.subsets[row.name!]!;
      expect(row.cells[0]).toBe(row.name);
      expect(row.cells[1]).toBe(pct(s.accuracy));
      expect(row.cells[2]).toBe(`${(iv.low * 100).toFixed(1)}–${(iv.high * 100).toFixed(1)}`);
      expect(row.cells.slice(3, 5)).toEqual([String(s.n), String(s.correct)]);
      expect(row.cells[5]).toBe(s.ties ? `⚠ ${s.ties}` : '0');
      expect(row.tiesFlagged).toBe(s.ties > 0);
      expect(row.cells[6]).toBe(lb.category ?? '–');
      expect(row.cells[7]).toBe(pct(lb.chars.longer));
      expect(row.meter).toBeGreaterThan(0);
    }
    // The length baseline ties equal-length responses: alpacaeval-easy has one, math-prm none.
    expect(dom.subsets.find((s) => s.name === 'alpacaeval-easy')!.tiesFlagged).toBe(true);
    expect(dom.subsets.find((s) => s.name === 'math-prm')!.tiesFlagged).toBe(false);

    // Chosen and rejected score histograms, and the margin histogram.
    expect(dom.scoreBars.filter((s) => s === 'chosen').length).toBeGreaterThan(10);
    expect(dom.scoreBars.filter((s) => s === 'rejected').length).toBeGreaterThan(10);
    expect(dom.marginBars.length).toBeGreaterThan(10);

    // Length bias: model vs pick-the-longer per subset, the flag (the baseline is all length), the categories.
    expect(dom.lengthRows.map((r) => r.name)).toEqual(Object.keys(results.subsets));
    for (const r of dom.lengthRows) {
      expect(r.model).toBeGreaterThan(0);
      // The baseline is the pick-the-longer rule itself: both bars have the same length.
      expect(Math.abs(r.model - r.baseline)).toBeLessThan(1);
    }
    expect(results.length_bias.flag).toBeTruthy();
    expect(dom.flag).toContain(results.length_bias.flag);
    expect(dom.categories).toEqual(LENGTH_CATEGORIES.filter((c) => results.length_bias.categories[c]));

    // Pixels: a painted page with many colours, a fair amount of ink and the model's blue bars.
    const shot = await page.screenshot({ fullPage: true, type: 'png' });
    if (process.env.RMBENCH_REPORT_SCREENSHOT) writeFileSync(process.env.RMBENCH_REPORT_SCREENSHOT, shot);
    const png = PNG.sync.read(Buffer.from(shot));
    expect(png.width).toBe(1200);
    expect(png.height).toBeGreaterThan(2000);
    const stats = pixelStats(png);
    expect(stats.colours).toBeGreaterThan(200);
    expect(stats.ink).toBeGreaterThan(0.05);
    expect(stats.blue).toBeGreaterThan(20_000);
    await page.close();
  });

  it('escapes names and text, and shows the margin distribution when the scores are null (general preference)', async () => {
    const evil = `<img src=x onerror="document.title='pwned'">&amp;'"`;
    const model = `<script>document.title='pwned'</script>`;
    const warning = '</style><b>warning</b> & more';
    const hostile = structuredClone(results);
    hostile.model = model;
    hostile.warnings = [warning];
    hostile.subsets = Object.fromEntries(Object.entries(results.subsets).map(([k, v]) => [k === 'hep-go' ? evil : k, v]));
    hostile.confidence_intervals.subsets[evil] = results.confidence_intervals.subsets['hep-go']!;
    hostile.length_bias.subsets[evil] = results.length_bias.subsets['hep-go']!;
    hostile.length_bias.flag = `${evil} flag`;
    const gp = pairs.map((p) => ({ ...p, chosen_score: null, rejected_score: null, margin: Math.tanh((p.chosen_score! - p.rejected_score!) / 500) }));
    const html = renderHtmlReport(hostile, gp);
    expect(html).not.toMatch(/<script|<img|<b>/i);

    const { page, requests, errors } = await openPage();
    await page.setContent(html, { waitUntil: 'load' });
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    const dom = await page.evaluate((evilName: string) => {
      const row = [...document.querySelectorAll<HTMLTableRowElement>('tr[data-subset]')].find((tr) => tr.dataset.subset === evilName);
      return {
        title: document.title,
        injected: document.querySelectorAll('script, img, b').length,
        h1: document.querySelector('h1')?.textContent,
        row: row ? row.cells[0]!.textContent : null,
        lengthRow: [...document.querySelectorAll('[data-length-subset]')].some((g) => g.getAttribute('data-length-subset') === evilName),
        warning: document.querySelector('#warnings li')?.textContent,
        flag: document.querySelector('#length-flag')?.textContent,
        scoreHistogram: document.querySelector('#score-histogram') !== null,
        note: document.querySelector('#null-scores-note')?.textContent ?? '',
        marginBars: [...document.querySelectorAll('svg#margin-histogram rect.bar')].filter((r) => r.getBoundingClientRect().height > 0).length,
      };
    }, evil);
    expect(dom.injected).toBe(0);
    // Had a handler run, it would have replaced the title with 'pwned'.
    expect(dom.title).toBe(`${model} on rewardbench-v1 v1.0.0 · rmbench report`);
    expect(dom.h1).toBe(model);
    expect(dom.row).toBe(evil);
    expect(dom.lengthRow).toBe(true);
    expect(dom.warning).toBe(warning);
    expect(dom.flag).toContain(`${evil} flag`);
    expect(dom.scoreHistogram).toBe(false);
    expect(dom.note).toMatch(/general preference/);
    expect(dom.marginBars).toBeGreaterThan(10);
    await page.close();
  });
});

describe('renderHtmlReport (string)', () => {
  it('plots every response of response sets (best-of-n) and leaves pairs that humans labelled as ties out of the margins', () => {
    const items = [
      { subset: 'alpacaeval-easy', chosen_score: 2, rejected_score: 1, correct: true, margin: 1 },
      { subset: 'alpacaeval-easy', chosen_score: 1, rejected_score: 1, correct: false, margin: 0, tie_label: true },
      { subset: 'alpacaeval-easy', chosen_scores: [3], rejected_scores: [1, 2, null] },
    ];
    const html = renderHtmlReport(results, items);
    // Scores: both pairs' and the set's (a null is not a score); margins: the one counted pair.
    expect(html).toContain('3 chosen responses: mean 2.000');
    expect(html).toContain('4 rejected: mean 1.250');
    expect(html).toContain('1 of 1 pair (100.0%) have a positive margin');
    expect(html).toContain('All 2 pairs and 1 response set (1 pair labelled as ties by humans left out of the margins) of the run');
    expect(html).not.toContain('null-scores-note');
  });
});

describe('rmbench report (subprocess)', () => {
  it('prints the table without --html, and reports a missing results or scores file on one line', () => {
    const table = rmbench(['report', resultsPath]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Overall\s+\d+\.\d/);

    const missing = join(dir, 'none.json');
    const out = join(dir, 'none.html');
    const r = rmbench(['report', missing, '--html', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/none\.json: cannot read results/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);

    const orphan = join(dir, 'orphan.json');
    writeFileSync(orphan, JSON.stringify({ ...results, scores_file: 'gone.scores.jsonl' }));
    const o = rmbench(['report', orphan, '--html', out]);
    expect(o.code).toBe(1);
    expect(o.stderr).toMatch(/gone\.scores\.jsonl: cannot read the per-pair scores named by/);
    expect(existsSync(out)).toBe(false);
  });
});
