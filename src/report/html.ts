/**
 * @file The HTML report: one self-contained static page for a results JSON and its per-pair scores.
 * Inline CSS and inline SVG only, no scripts, no external resources (a Content-Security-Policy meta
 * tag forbids them), so it opens offline and can be mailed or archived as one file. Every piece of
 * text from the results (model, subset and section names, warnings) is HTML-escaped. Documented in
 * docs/report.md. Stable hooks for tests and scrapers: `[data-section]` / `[data-overall]` bars,
 * `tr[data-subset]` table rows, `svg#sections-chart`, `svg#score-histogram`, `svg#margin-histogram`,
 * `svg#length-bias-chart`, `#length-flag`, `tr[data-category]`.
 */
import { metricOf, tieWords } from '../metrics/registry.js';
import { kindNamed } from '../scorers/kinds/registry.js';
import { LENGTH_CATEGORIES, type Interval, type PairOutcome, type Results, type SubsetLengthBias, type SubsetResult } from './schema.js';

/** The fields of a pair the page uses (the scores JSONL's lines). */
export interface ReportPair extends Partial<Pick<PairOutcome, 'chosen_score' | 'rejected_score' | 'correct' | 'margin'>> {
  subset: string;
  /** Set when humans labelled the pair's two responses equally good (not counted in accuracy). */
  tie_label?: boolean;
  /** Response sets (best-of-n): every chosen and rejected response's score. */
  chosen_scores?: readonly (number | null)[];
  rejected_scores?: readonly (number | null)[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML/SVG text content and (double- or single-quoted) attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
const esc = escapeHtml;

const COLORS = {
  model: '#3568d4',
  interval: '#12204a',
  chosen: '#3568d4',
  rejected: '#e07b39',
  baseline: '#a3acb9',
  correct: '#2f9e6e',
  wrong: '#d1495b',
  tie: '#6b7280',
  grid: '#e5e8ee',
  axis: '#8a93a3',
  track: '#f1f3f7',
};
const CATEGORY_COLORS: Record<string, string> = { longer: '#7c4dcc', shorter: '#168a8a', neutral: '#6b7280' };

const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`);
const num = (x: number) => (Number.isInteger(x) ? String(x) : String(+x.toFixed(4)));
const fixed = (x: number, d = 2) => +x.toFixed(d);
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
/** A difference of two fractions in percentage points, signed; muted when it rounds to zero. */
function points(d: number): { text: string; cls: string } {
  const text = (Math.abs(d) * 100).toFixed(1);
  if (text === '0.0') return { text: '±0.0', cls: 'zero' };
  return d > 0 ? { text: `+${text}`, cls: 'pos' } : { text: `−${text}`, cls: 'neg' };
}
const thousands = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string) => `${thousands(n)} ${word}${n === 1 ? '' : 's'}`;
const intervalText = (iv: Interval | undefined) => (iv ? `${(iv.low * 100).toFixed(1)}–${(iv.high * 100).toFixed(1)}` : '–');
/** Rough width of SVG text at the page's font size, for laying out label columns. */
const textWidth = (s: string, px = 12) => s.length * px * 0.58;
/** The widest a chart's label column may get, so the plot keeps its width whatever the names. */
const MAX_LABEL_WIDTH = 320;
/** A label cut with an ellipsis to fit `width` (the full text stays in the row's <title>). */
function fitLabel(label: string, width: number, px: number): string {
  const chars = Math.floor(width / (px * 0.58));
  return label.length <= chars ? label : `${label.slice(0, Math.max(1, chars - 1))}…`;
}

function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const exp = Math.floor(Math.log10(raw));
  const f = raw / 10 ** exp;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * 10 ** exp;
}

function ticks(lo: number, hi: number, count: number): number[] {
  // Divided before subtracting, and stepped by index, not v += step: with values near ±1e308 a
  // difference overflows and an increment is lost, which looped without end.
  const step = niceStep(hi / count - lo / count);
  const out: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i <= hi / step + 1e-9 && out.length <= 4 * count; i++) out.push(i === 0 ? 0 : i * step);
  return out;
}

/** Tick label: compact for large values, enough decimals for the step otherwise. */
function tickLabel(v: number, step: number): string {
  if (v === 0) return '0';
  if (Math.abs(step) >= 1000 && v % 1000 === 0) return `${v / 1000}k`;
  const decimals = Math.min(6, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals).replace('-', '−');
}

function quantile(sorted: readonly number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

interface Binning {
  start: number;
  width: number;
  bins: number;
  /** Values below the first / above the last bin edge, counted in the end bins. */
  below: number;
  above: number;
}

/**
 * Equal-width bins with round edges (so 0 is always an edge) over the 0.5–99.5 percentile range of
 * large samples (the whole range of small ones); the few values outside go to the end bins.
 */
function binning(values: readonly number[], target = 36): Binning {
  const sorted = [...values].sort((a, b) => a - b);
  let lo = sorted.length >= 200 ? quantile(sorted, 0.005) : sorted[0]!;
  let hi = sorted.length >= 200 ? quantile(sorted, 0.995) : sorted.at(-1)!;
  if (hi <= lo) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 0.5;
    lo -= pad;
    hi += pad;
  }
  const width = niceStep(hi / target - lo / target);
  const start = Math.floor(lo / width) * width;
  // Divided before subtracting: with scores near ±1e308, hi - start overflows to Infinity.
  const bins = Math.max(1, Math.ceil(hi / width - Math.floor(lo / width) - 1e-9));
  const end = start + bins * width;
  return { start, width, bins, below: sorted.filter((v) => v < start).length, above: sorted.filter((v) => v > end).length };
}

function binIndex(b: Binning, v: number): number {
  return Math.min(b.bins - 1, Math.max(0, Math.floor((v - b.start) / b.width)));
}

function countBins(b: Binning, values: readonly number[]): number[] {
  const counts = new Array<number>(b.bins).fill(0);
  for (const v of values) counts[binIndex(b, v)]!++;
  return counts;
}

/** Groups subset names by section: the sections in results order, then any others. */
function subsetsBySection(results: Results): [section: string, subsets: string[]][] {
  const groups = new Map<string, string[]>(Object.keys(results.sections).map((s) => [s, []]));
  for (const [name, s] of Object.entries(results.subsets)) {
    const list = groups.get(s.section) ?? [];
    list.push(name);
    groups.set(s.section, list);
  }
  return [...groups].filter(([, list]) => list.length > 0);
}

// ---------------------------------------------------------------------------------------------
// Charts

/** Horizontal accuracy bars with 95% interval whiskers, one row per section, then Overall. */
function sectionsChart(results: Results): string {
  const ci = results.confidence_intervals;
  const rows: { label: string; value: number; interval?: Interval; overall: boolean }[] = [
    ...Object.entries(results.sections).map(([name, value]) => ({ label: name, value, interval: ci?.sections?.[name], overall: false })),
    { label: 'Overall', value: results.overall, interval: ci?.overall, overall: true },
  ];
  const width = 1000;
  const rowH = 34;
  const labelW = Math.min(MAX_LABEL_WIDTH, Math.max(90, ...rows.map((r) => textWidth(r.label, 13) + 20)));
  const valueW = 170;
  const top = 8;
  const plotW = width - labelW - valueW;
  const x = (v: number) => fixed(labelW + clamp01(v) * plotW);
  const gap = 10;
  const height = top + rows.length * rowH + gap + 26;
  const axisY = top + rows.length * rowH + gap;
  const parts: string[] = [];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${axisY}" stroke="${t === 0.5 ? COLORS.axis : COLORS.grid}"${t === 0.5 ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text class="tick" x="${x(t)}" y="${axisY + 16}" text-anchor="middle">${t * 100}%</text>`,
    );
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH + (r.overall ? gap : 0);
    const cy = y + rowH / 2;
    const hook = r.overall ? 'data-overall=""' : `data-section="${esc(r.label)}"`;
    const iv = r.interval;
    const whisker = iv
      ? `<g class="interval" stroke="${COLORS.interval}" stroke-width="1.6"><line x1="${x(iv.low)}" x2="${x(iv.high)}" y1="${cy}" y2="${cy}"/><line x1="${x(iv.low)}" x2="${x(iv.low)}" y1="${cy - 6}" y2="${cy + 6}"/><line x1="${x(iv.high)}" x2="${x(iv.high)}" y1="${cy - 6}" y2="${cy + 6}"/></g>`
      : '';
    parts.push(
      `<g class="section-row${r.overall ? ' overall' : ''}" ${hook}>`,
      `<title>${esc(r.label)}: ${pct(r.value, 2)}${iv ? `, 95% interval ${pct(iv.low, 2)} to ${pct(iv.high, 2)}` : ''}</title>`,
      `<text class="label${r.overall ? ' strong' : ''}" x="${fixed(labelW - 12)}" y="${cy + 4.5}" text-anchor="end">${esc(fitLabel(r.label, labelW - 20, 13))}</text>`,
      `<rect class="track" x="${x(0)}" y="${y + 7}" width="${fixed(plotW)}" height="${rowH - 14}" rx="3" fill="${COLORS.track}"/>`,
      `<rect class="bar" x="${x(0)}" y="${y + 7}" width="${fixed(clamp01(r.value) * plotW)}" height="${rowH - 14}" rx="3" fill="${r.overall ? COLORS.interval : COLORS.model}" fill-opacity="${r.overall ? 0.85 : 0.9}"/>`,
      whisker,
      `<text class="value${r.overall ? ' strong' : ''}" x="${fixed(labelW + plotW + 12)}" y="${cy + 4.5}">${pct(r.value)}<tspan class="muted">  ${iv ? `[${intervalText(iv)}]` : ''}</tspan></text>`,
      `</g>`,
    );
  });
  if (rows.length > 1) {
    const sepY = top + (rows.length - 1) * rowH + gap / 2;
    parts.push(`<line x1="${fixed(labelW - 80)}" x2="${width}" y1="${sepY}" y2="${sepY}" stroke="${COLORS.grid}"/>`);
  }
  return `<svg id="sections-chart" class="chart" role="img" aria-label="Section and overall accuracy with 95% intervals" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

interface Series {
  name: string;
  color: string;
  values: number[];
}

interface HistogramOptions {
  id: string;
  title: string;
  xLabel: string;
  series: Series[];
  /** Colour each bin by the sign of its range (margins: right of 0 is correct). */
  signColors?: boolean;
  /** Exact zeros drawn as their own grey bar at 0 (ties, counted wrong). */
  zeros?: number;
}

/** The SVG, and whether extreme values were drawn in the end bins. */
function histogram(o: HistogramOptions): { svg: string; clipped: boolean } {
  const all = o.series.flatMap((s) => s.values);
  const width = 490;
  const height = 270;
  const m = { left: 46, right: 14, top: 30, bottom: 42 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  if (all.length === 0 && !o.zeros) {
    return { svg: `<svg id="${o.id}" class="chart" role="img" aria-label="${esc(o.title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><text class="muted" x="${width / 2}" y="${height / 2}" text-anchor="middle">no values</text></svg>`, clipped: false };
  }
  const b = binning(all.length ? all : [0]);
  const counts = o.series.map((s) => countBins(b, s.values));
  const yMax = Math.max(1, o.zeros ?? 0, ...counts.flat());
  const yStep = niceStep(yMax / 4);
  const yTop = Math.ceil(yMax / yStep) * yStep;
  const x0 = b.start;
  const x1 = b.start + b.bins * b.width;
  const sx = (v: number) => fixed(m.left + ((v - x0) / (x1 - x0)) * plotW);
  const sy = (c: number) => fixed(m.top + plotH - (c / yTop) * plotH);
  const parts: string[] = [];
  for (let v = 0; v <= yTop + 1e-9; v += yStep) {
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${sy(v)}" y2="${sy(v)}" stroke="${COLORS.grid}"/>`, `<text class="tick" x="${m.left - 6}" y="${sy(v) + 4}" text-anchor="end">${num(v)}</text>`);
  }
  const xt = ticks(x0, x1, 6);
  const xStep = xt.length > 1 ? xt[1]! - xt[0]! : b.width;
  for (const v of xt) {
    parts.push(`<line x1="${sx(v)}" x2="${sx(v)}" y1="${m.top + plotH}" y2="${m.top + plotH + 4}" stroke="${COLORS.axis}"/>`, `<text class="tick" x="${sx(v)}" y="${m.top + plotH + 16}" text-anchor="middle">${tickLabel(v, xStep)}</text>`);
  }
  const opacity = o.series.length > 1 ? 0.55 : 0.85;
  o.series.forEach((s, si) => {
    counts[si]!.forEach((c, i) => {
      if (c === 0) return;
      const lo = b.start + i * b.width;
      const hi = lo + b.width;
      const color = o.signColors ? (lo >= 0 ? COLORS.correct : COLORS.wrong) : s.color;
      const range = `${i === 0 && b.below ? '≤ ' : ''}${tickLabel(lo, b.width)} to ${i === b.bins - 1 && b.above ? '≥ ' : ''}${tickLabel(hi, b.width)}`;
      parts.push(
        `<rect class="bar" data-series="${esc(s.name)}" x="${fixed(sx(lo) + 0.5)}" y="${sy(c)}" width="${fixed(Math.max(0.5, sx(hi) - sx(lo) - 1))}" height="${fixed(sy(0) - sy(c))}" fill="${color}" fill-opacity="${opacity}"><title>${esc(s.name)}: ${c} in ${range}</title></rect>`,
      );
    });
  });
  if (o.signColors && x0 < 0 && x1 > 0) {
    parts.push(`<line x1="${sx(0)}" x2="${sx(0)}" y1="${m.top - 4}" y2="${m.top + plotH}" stroke="#222" stroke-dasharray="3 3"/>`);
  }
  if (o.zeros) {
    const w = Math.max(5, Math.min(10, (sx(b.width) - sx(0)) * 0.5));
    parts.push(`<rect class="bar tie-bar" x="${fixed(sx(0) - w / 2)}" y="${sy(o.zeros)}" width="${fixed(w)}" height="${fixed(sy(0) - sy(o.zeros))}" fill="${COLORS.tie}" stroke="#fff" stroke-width="1"><title>${o.zeros} ties (margin exactly 0, counted wrong)</title></rect>`);
  }
  parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="${COLORS.axis}"/>`);
  parts.push(`<text class="axis-label" x="${m.left + plotW / 2}" y="${height - 6}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  // Legend.
  const legend = o.signColors
    ? [
        { name: '> 0: correct', color: COLORS.correct },
        { name: '< 0: wrong', color: COLORS.wrong },
        ...(o.zeros ? [{ name: '= 0: tie, wrong', color: COLORS.tie }] : []),
      ]
    : o.series.map((s) => ({ name: s.name, color: s.color }));
  let lx = m.left;
  for (const l of legend) {
    parts.push(`<rect x="${fixed(lx)}" y="8" width="12" height="12" rx="2" fill="${l.color}" fill-opacity="${o.signColors ? 0.85 : opacity + 0.15}"/><text class="legend" x="${fixed(lx + 17)}" y="18">${esc(l.name)}</text>`);
    lx += 17 + textWidth(l.name, 12) + 18;
  }
  return { svg: `<svg id="${o.id}" class="chart" role="img" aria-label="${esc(o.title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${parts.join('')}</svg>`, clipped: b.below + b.above > 0 };
}

/** Per subset: the model's accuracy beside the pick-the-longer baseline's. */
function lengthBiasChart(results: Results): string {
  const lb = results.length_bias.subsets;
  const groups = subsetsBySection(results)
    .map(([section, names]) => [section, names.filter((n) => lb[n])] as const)
    .filter(([, names]) => names.length);
  const width = 1000;
  const rowH = 26;
  const headH = 24;
  const top = 34;
  const labels = groups.flatMap(([, names]) => names.map((n) => `${n} · ${lb[n]!.category ?? 'none'}`));
  const labelW = Math.min(MAX_LABEL_WIDTH, Math.max(140, ...labels.map((l) => textWidth(l, 12) + 18)));
  const valueW = 200;
  const plotW = width - labelW - valueW;
  const x = (v: number) => fixed(labelW + clamp01(v) * plotW);
  const parts: string[] = [];
  let y = top;
  for (const [section, names] of groups) {
    parts.push(`<text class="label strong" x="8" y="${y + 16}">${esc(fitLabel(section, width - 16, 12))}<title>${esc(section)}</title></text>`);
    y += headH;
    for (const name of names) {
      const bias = lb[name]!;
      const acc = results.subsets[name]!.accuracy;
      const base = bias.chars.longer;
      const cat = bias.category;
      const d = points(acc - base);
      parts.push(
        `<g class="length-row" data-length-subset="${esc(name)}">`,
        `<title>${esc(name)}: model ${pct(acc)}, pick-the-longer ${pct(base)} (characters); pick-the-shorter ${pct(bias.chars.shorter)}</title>`,
        `<text class="label" x="${fixed(labelW - 10)}" y="${y + 17}" text-anchor="end">${esc(fitLabel(name, labelW - 18 - textWidth(` · ${cat ?? 'none'}`, 12), 12))}<tspan fill="${CATEGORY_COLORS[cat ?? 'neutral']}" class="small"> · ${esc(cat ?? 'none')}</tspan></text>`,
        `<rect class="bar model-bar" x="${x(0)}" y="${y + 4}" width="${fixed(clamp01(acc) * plotW)}" height="9" rx="2" fill="${COLORS.model}"/>`,
        `<rect class="bar baseline-bar" x="${x(0)}" y="${y + 14}" width="${fixed(clamp01(base) * plotW)}" height="9" rx="2" fill="${COLORS.baseline}"/>`,
        `<text class="value" x="${fixed(labelW + plotW + 10)}" y="${y + 17}">${pct(acc)}<tspan class="muted"> vs ${pct(base)}</tspan><tspan class="${d.cls}"> ${d.text}</tspan></text>`,
        `</g>`,
      );
      y += rowH;
    }
  }
  const bottom = y + 6;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => `<line x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${bottom}" stroke="${t === 0.5 ? COLORS.axis : COLORS.grid}"${t === 0.5 ? ' stroke-dasharray="4 3"' : ''}/><text class="tick" x="${x(t)}" y="${bottom + 16}" text-anchor="middle">${t * 100}%</text>`)
    .join('');
  const legend =
    `<rect x="${x(0)}" y="8" width="12" height="12" rx="2" fill="${COLORS.model}"/><text class="legend" x="${fixed(x(0) + 17)}" y="18">model accuracy</text>` +
    `<rect x="${fixed(x(0) + 140)}" y="8" width="12" height="12" rx="2" fill="${COLORS.baseline}"/><text class="legend" x="${fixed(x(0) + 157)}" y="18">pick-the-longer baseline (characters)</text>` +
    `<text class="legend muted" x="${fixed(labelW + plotW + 10)}" y="18">model vs longer, Δ points</text>`;
  const height = bottom + 26;
  return `<svg id="length-bias-chart" class="chart" role="img" aria-label="Model accuracy versus the pick-the-longer baseline per subset" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${grid}${legend}${parts.join('')}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// HTML blocks

/** A CSS accuracy meter with its 95% interval, for table cells. */
function meter(value: number, iv: Interval | undefined): string {
  const ci = iv ? `<span class="meter-ci" style="left:${fixed(clamp01(iv.low) * 100)}%;width:${fixed(Math.max(0, clamp01(iv.high) - clamp01(iv.low)) * 100)}%"></span>` : '';
  return `<span class="meter"><span class="meter-bar" style="width:${fixed(clamp01(value) * 100)}%"></span>${ci}</span>`;
}

/** A tag for subsets scored otherwise than pair by pair (best-of-n, ...): their rows are lists of responses. */
function metricTag(s: SubsetResult): string {
  if (metricOf(s.metric).rows === 'pairs') return '';
  const parts = Object.entries(s.details ?? {}).map(([k, v]) => `${k} ${num(v)}`);
  const title = `scored as ${s.metric}, not pair by pair${parts.length ? `: ${parts.join(', ')}` : ''}`;
  return ` <span class="chip chip-metric" title="${esc(title)}">${esc(s.metric)}</span>`;
}

/** How ties were credited, for each metric of the run. */
function tieRules(results: Results): string {
  const metrics = [...new Set(Object.values(results.subsets).map((s) => s.metric))];
  const rule = (m: (typeof metrics)[number]) => metricOf(m).tieRule(results.best_of_n_ties ?? 'shared');
  return metrics.length === 1 ? rule(metrics[0]!) : metrics.map((m) => `${m}: ${rule(m)}`).join('; ');
}

function subsetTable(results: Results): string {
  const ci = results.confidence_intervals?.subsets ?? {};
  const lb: Record<string, SubsetLengthBias> = results.length_bias?.subsets ?? {};
  const head =
    '<tr><th class="name">Subset</th><th>Accuracy</th><th>95% interval</th><th class="r">n</th><th class="r">correct</th><th class="r" title="items decided by an exactly equal preference; how they were credited depends on the metric (hover a count)">ties</th>' +
    `<th title="which response the subset's chosen answers tend to be">length category</th><th class="r" title="accuracy of always preferring the longer response (characters)">pick-longer</th><th class="r" title="model accuracy minus the pick-the-longer baseline">Δ vs longer</th><th class="r" title="among pairs of unequal length that the model does not tie: how often it prefers the longer">prefers longer</th><th class="r" title="Pearson correlation of the margin with the chosen-minus-rejected length">r(margin, Δlen)</th></tr>`;
  const body: string[] = [];
  for (const [section, names] of subsetsBySection(results)) {
    const score = results.sections[section];
    body.push(`<tr class="section-head" data-section-head="${esc(section)}"><th colspan="11">${esc(section)}${score === undefined ? '' : ` <span class="muted">${pct(score)}</span>`}</th></tr>`);
    for (const name of names) {
      const s = results.subsets[name]!;
      const iv = ci[name];
      const bias = lb[name];
      const ties = s.ties ? `<td class="r ties-flag" title="${esc(tieWords(s.metric, s.ties, results.best_of_n_ties))}">⚠ ${esc(s.ties)}</td>` : '<td class="r muted">0</td>';
      const delta = bias ? points(s.accuracy - bias.chars.longer) : null;
      body.push(
        `<tr data-subset="${esc(name)}">`,
        `<td class="name">${esc(name)}${metricTag(s)}</td>`,
        `<td class="acc">${meter(s.accuracy, iv)}<span class="num">${pct(s.accuracy)}</span></td>`,
        `<td class="muted">${intervalText(iv)}</td>`,
        `<td class="r">${esc(s.n)}</td>`,
        `<td class="r">${num(s.correct)}</td>`,
        ties,
        `<td>${bias?.category ? `<span class="chip chip-${esc(bias.category)}">${esc(bias.category)}</span>` : '<span class="muted">–</span>'}</td>`,
        `<td class="r">${pct(bias?.chars.longer)}</td>`,
        `<td class="r ${delta?.cls ?? ''}">${delta?.text ?? '–'}</td>`,
        `<td class="r">${pct(bias?.prefers_longer)}</td>`,
        `<td class="r">${bias?.margin_length_correlation === null || bias?.margin_length_correlation === undefined ? '–' : bias.margin_length_correlation.toFixed(2).replace('-', '−')}</td>`,
        `</tr>`,
      );
    }
  }
  return `<div class="table-wrap"><table id="subsets-table"><thead>${head}</thead><tbody>${body.join('')}</tbody></table></div>`;
}

function finite(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function distributions(results: Results, items: readonly ReportPair[]): string {
  if (items.length === 0) return `<p class="muted">The scores file has no items.</p>`;
  // Pairs have one chosen and one rejected score; response sets (best-of-n) several of each.
  const sets = items.filter((p) => Array.isArray(p.chosen_scores) || Array.isArray(p.rejected_scores));
  const pairs = items.filter((p) => !sets.includes(p));
  const chosen = [...pairs.map((p) => p.chosen_score), ...sets.flatMap((p) => p.chosen_scores ?? [])].filter(finite);
  const rejected = [...pairs.map((p) => p.rejected_score), ...sets.flatMap((p) => p.rejected_scores ?? [])].filter(finite);
  // Pairs humans labelled as ties are not counted in accuracy: leave them out of the margins too.
  const counted = pairs.filter((p) => !p.tie_label);
  const margins = counted
    .map((p) => (finite(p.margin) ? p.margin : finite(p.chosen_score) && finite(p.rejected_score) ? p.chosen_score - p.rejected_score : NaN))
    .filter(Number.isFinite);
  const ties = margins.filter((m) => m === 0).length;
  const nonzero = margins.filter((m) => m !== 0);
  const scored = chosen.length > 0 && rejected.length > 0;
  const charts: string[] = [];
  const notes: string[] = [];
  let clipped = false;
  if (scored) {
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const median = (v: number[]) => quantile([...v].sort((a, b) => a - b), 0.5);
    const f = (v: number) => (Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4)).replace('-', '−');
    const h = histogram({
      id: 'score-histogram',
      title: 'Distribution of chosen and rejected scores',
      xLabel: results.model_type === 'length' ? 'score (response length in characters)' : 'reward score',
      series: [
        { name: 'chosen', color: COLORS.chosen, values: chosen },
        { name: 'rejected', color: COLORS.rejected, values: rejected },
      ],
    });
    clipped ||= h.clipped;
    charts.push(
      `<figure>${h.svg}<figcaption>${plural(chosen.length, 'chosen response')}: mean ${f(mean(chosen))}, median ${f(median(chosen))}. ${thousands(rejected.length)} rejected: mean ${f(mean(rejected))}, median ${f(median(rejected))}.</figcaption></figure>`,
    );
  } else if (margins.length) {
    notes.push(
      '<p class="note" id="null-scores-note">This model scores pairs, not single responses (general preference): the scores file has no chosen/rejected scores, so the page shows the distribution of its preference margins.</p>',
    );
  }
  if (margins.length) {
    const correct = margins.filter((m) => m > 0).length;
    const h = histogram({
      id: 'margin-histogram',
      title: 'Distribution of margins (preference of chosen over rejected)',
      xLabel: scored ? 'margin (chosen − rejected score)' : 'margin (preference of chosen over rejected)',
      series: [{ name: 'pairs', color: COLORS.model, values: nonzero }],
      signColors: true,
      zeros: ties,
    });
    clipped ||= h.clipped;
    charts.push(
      `<figure>${h.svg}<figcaption>${thousands(correct)} of ${plural(margins.length, 'pair')} (${pct(correct / margins.length)}) have a positive margin${ties ? `; <span class="ties-flag">${ties} tie${ties === 1 ? '' : 's'}</span> (margin exactly 0, counted wrong)` : ''}.</figcaption></figure>`,
    );
  }
  if (!charts.length) notes.push('<p class="muted">The scores file has no finite scores or margins to plot.</p>');
  const what = [
    pairs.length ? plural(pairs.length, 'pair') : '',
    sets.length ? plural(sets.length, 'response set') : '',
    counted.length < pairs.length ? `(${plural(pairs.length - counted.length, 'pair')} labelled as ties by humans left out of the margins)` : '',
  ].filter(Boolean);
  const clip = clipped ? ' Values beyond the 0.5th and 99.5th percentiles are counted in the end bins.' : '';
  return `${notes.join('')}<div class="figures">${charts.join('')}</div><p class="muted small">All ${what.join(' and ').replace(' and (', ' (')} of the run, from <code>${esc(results.scores_file)}</code>.${clip}</p>`;
}

/** The kind's own report (ArmoRM objectives, GPM probabilities, DPO diagnostics, judge counts), as its kind renders it. */
function scorerReportSection(results: Results): string {
  const lines = results.scorer_report ? kindNamed(results.model_type)?.reportLines?.(results.scorer_report) : undefined;
  return lines?.length ? `<section class="card" id="scorer-report">\n<h2>${esc(results.model_type)} report</h2>\n<pre>${esc(lines.join('\n'))}</pre>\n</section>` : '';
}

function lengthBiasSection(results: Results): string {
  const lb = results.length_bias;
  if (!lb) return '<p class="muted">This results file has no length-bias analysis.</p>';
  if (Object.keys(lb.subsets).length === 0 && !lb.flag) {
    return '<p class="muted" id="length-none">No length-bias analysis for this run: none of its subsets is scored pair by pair.</p>';
  }
  const flag = lb.flag
    ? `<div class="callout warn" id="length-flag"><strong>Length bias:</strong> ${esc(lb.flag)}</div>`
    : `<p class="callout ok" id="length-ok">No length-bias flag: the model's preferences are not mostly explained by length.</p>`;
  const cats = LENGTH_CATEGORIES.flatMap((cat) => {
    const c = lb.categories[cat];
    if (!c) return [];
    const d = points(c.accuracy - c.longer_baseline);
    return [
      `<tr data-category="${cat}"><td><span class="chip chip-${cat}">${cat}</span></td><td class="r">${c.subsets.length}</td><td class="r">${esc(c.n)}</td><td class="acc">${meter(c.accuracy, undefined)}<span class="num">${pct(c.accuracy)}</span></td><td class="r">${pct(c.longer_baseline)}</td><td class="r ${d.cls}">${d.text}</td><td class="small muted wrap">${c.subsets.map(esc).join(', ')}</td></tr>`,
    ];
  });
  const r = lb.overall.margin_length_correlation;
  const overall = `<p>Over all pairs: correlation of the margin with the chosen-minus-rejected length <strong>${r === null ? '–' : r.toFixed(2).replace('-', '−')}</strong>; on pairs of unequal length that it does not tie, the model prefers the longer response <strong>${pct(lb.overall.prefers_longer)}</strong> of the time.</p>`;
  const table = cats.length
    ? `<h3>Length categories</h3><p class="muted small">Subsets grouped by which response their chosen answers tend to be (RewardBench's length categories), pairs pooled.</p><div class="table-wrap"><table id="length-categories"><thead><tr><th>category</th><th class="r">subsets</th><th class="r">n</th><th>model accuracy</th><th class="r">pick-longer</th><th class="r">Δ</th><th class="name">subsets</th></tr></thead><tbody>${cats.join('')}</tbody></table></div>`
    : '<p class="muted">No subset of this suite has a length category.</p>';
  const chart = Object.keys(lb.subsets).length ? lengthBiasChart(results) : '';
  return `${flag}${overall}${chart}${table}`;
}

function details(results: Results): string {
  const c = results.config ?? {};
  const t = results.timing;
  const rows: [string, unknown][] = [
    ['rmbench', results.rmbench_version],
    ['created', results.created_at],
    ['scorer', results.model_type],
    ['model path', results.model_path ?? '–'],
    ['model sha256', results.model_sha256 ?? '–'],
    ['selection', results.partial ? `subsets ${results.selection.subsets?.join(', ') ?? 'all'}, limit ${results.selection.limit ?? 'none'}` : 'all pairs'],
    ...Object.entries(c)
      .filter(([k, v]) => k !== 'chat_template' && v !== null && typeof v !== 'object')
      .map(([k, v]) => [k, v] as [string, unknown]),
    ...(t ? ([['time', `${t.total_s.toFixed(1)} s (${t.pairs_per_s.toFixed(1)} pairs/s)`]] as [string, unknown][]) : []),
  ];
  const ci = results.confidence_intervals;
  if (ci) rows.push(['intervals', `${ci.method}, ${ci.resamples} resamples, level ${ci.level}, seed ${ci.seed}`]);
  return `<details><summary>Run details</summary><dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl></details>`;
}

const CSS = `
:root{--fg:#1b2230;--muted:#667085;--line:#e4e7ec;--bg:#f5f6fa;--card:#fff;--accent:${COLORS.model};--warn:#b45309;--warnbg:#fff7e6}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:24px 20px 48px}
header{display:flex;flex-wrap:wrap;align-items:flex-end;justify-content:space-between;gap:16px;margin-bottom:20px}
h1{font-size:26px;margin:0 0 4px;word-break:break-word}
h2{font-size:18px;margin:0 0 4px}
h3{font-size:15px;margin:22px 0 4px}
.meta{color:var(--muted)}
.overall-box{text-align:right}
.overall-box .big{font-size:40px;font-weight:700;line-height:1;color:var(--accent)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#fde8c8;color:var(--warn);vertical-align:middle}
section.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px 20px;margin:0 0 18px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.lead{color:var(--muted);margin:0 0 12px}
svg.chart{display:block;max-width:100%;height:auto}
svg text{font-size:12px;fill:var(--fg)}
svg text.tick{fill:var(--muted);font-size:11px}
svg text.label{font-size:13px}
svg text.strong{font-weight:700}
svg text.muted,svg tspan.muted{fill:var(--muted)}
svg text.axis-label{fill:var(--muted)}
svg .small{font-size:11px}
.figures{display:flex;flex-wrap:wrap;gap:20px}
figure{margin:0;flex:1 1 440px;max-width:490px}
figcaption{color:var(--muted);font-size:12.5px;margin-top:4px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
thead th{font-size:12px;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);vertical-align:bottom;white-space:normal}
tr.section-head th{background:#f0f3fa;font-size:13px;color:var(--fg);padding-top:7px}
td.name{font-weight:500}
.r{text-align:right}
td.wrap{white-space:normal;min-width:260px}
.muted{color:var(--muted)}
.small{font-size:12px}
td.pos{color:${COLORS.correct}}
td.neg{color:${COLORS.wrong}}
td.zero{color:var(--muted)}
svg tspan.pos{fill:${COLORS.correct}}
svg tspan.neg{fill:${COLORS.wrong}}
svg tspan.zero{fill:var(--muted)}
.ties-flag{color:var(--warn);font-weight:700}
td.ties-flag{background:var(--warnbg)}
td.acc{min-width:150px}
.meter{position:relative;display:inline-block;width:90px;height:10px;background:${COLORS.track};border-radius:3px;vertical-align:middle;margin-right:8px}
.meter-bar{position:absolute;left:0;top:0;bottom:0;background:var(--accent);border-radius:3px;opacity:.9}
.meter-ci{position:absolute;top:4px;height:2px;background:${COLORS.interval}}
.chip{display:inline-block;padding:0 7px;border-radius:9px;font-size:11.5px;font-weight:600;color:#fff}
.chip-longer{background:${CATEGORY_COLORS.longer}}
.chip-shorter{background:${CATEGORY_COLORS.shorter}}
.chip-neutral{background:${CATEGORY_COLORS.neutral}}
.chip-metric{background:#eef1f6;color:var(--muted);font-weight:500}
.callout{border-radius:8px;padding:10px 14px;margin:8px 0 12px}
.callout.warn{background:var(--warnbg);border:1px solid #f5c77e;color:#7a3e00}
.callout.ok{background:#eefaf3;border:1px solid #b5e3c9;color:#1d6b45}
.note{background:#eef3ff;border:1px solid #c9d7fb;border-radius:8px;padding:8px 12px}
ul.warnings{margin:6px 0 0;padding-left:20px;color:var(--warn)}
details summary{cursor:pointer;font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:10px 0 0;font-size:13px}
dt{color:var(--muted)}
dd{margin:0;word-break:break-all}
code{font-size:12px;background:#f0f2f6;padding:1px 4px;border-radius:4px}
footer{color:var(--muted);font-size:12px;text-align:center}
@media print{body{background:#fff}section.card{box-shadow:none;break-inside:avoid}}
`;

/**
 * Renders a results JSON and its per-pair scores as one self-contained HTML page (a string).
 * Pure: no I/O. `pairs` are the scores file's lines (`readScores`).
 */
export function renderHtmlReport(results: Results, pairs: readonly ReportPair[]): string {
  const ci = results.confidence_intervals;
  const title = `${results.model} on ${results.suite.name} v${results.suite.version}`;
  const nPairs = Object.values(results.subsets).reduce((n, s) => n + s.n, 0);
  const totalTies = Object.values(results.subsets).reduce((n, s) => n + s.ties, 0);
  const warnings = results.warnings?.length
    ? `<section class="card" id="warnings"><h2>Warnings</h2><ul class="warnings">${results.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>`
    : '';
  const ciLead = ci
    ? `Bars: accuracy; whiskers: 95% ${ci.method === 'bootstrap-percentile' ? 'percentile-bootstrap' : esc(ci.method)} interval (${esc(ci.resamples)} resamples of pairs within each subset). Dashed line: 50%, chance for a pair.`
    : 'This results file has no confidence intervals. Dashed line: 50%, chance for a pair.';
  return `${pageHead(`${title} · rmbench report`, results.rmbench_version)}
<body>
<main>
<header>
<div>
<h1 id="model-name">${esc(results.model)}</h1>
<div class="meta">${esc(results.model_type)} · ${esc(results.suite.name)} v${esc(results.suite.version)} · ${thousands(nPairs)} pairs in ${Object.keys(results.subsets).length} subsets${results.partial ? ' <span class="badge" id="partial-badge">partial run: not comparable with full runs</span>' : ''}</div>
<div class="meta small">${esc(results.created_at)} · rmbench ${esc(results.rmbench_version)}</div>
</div>
<div class="overall-box" id="overall"><div class="meta">Overall</div><div class="big">${pct(results.overall)}</div><div class="meta small">${ci ? `95% interval ${intervalText(ci.overall)}` : ''}</div></div>
</header>
${warnings}
<section class="card" id="sections">
<h2>Sections</h2>
<p class="lead">${ciLead}</p>
${results.overall_note ? `<div class="callout warn" id="overall-note"><strong>Overall:</strong> ${esc(results.overall_note)}</div>` : ''}
${sectionsChart(results)}
</section>
<section class="card" id="subsets">
<h2>Subsets</h2>
<p class="lead">Accuracy = correct / n; <span class="ties-flag">ties</span> (exactly equal preference): ${esc(tieRules(results))}${totalTies ? ` (${esc(totalTies)} in this run)` : ''}. Length columns: accuracy of always picking the longer response, and how the model's margins follow length.</p>
${subsetTable(results)}
</section>
${scorerReportSection(results)}
<section class="card" id="distributions">
<h2>Score distributions</h2>
<p class="lead">How the model scores the chosen and the rejected responses, and the margin between them (right of 0: correct).</p>
${distributions(results, pairs)}
</section>
<section class="card" id="length-bias">
<h2>Length bias</h2>
<p class="lead">Does the model just prefer longer answers? Its accuracy per subset beside the accuracy of always picking the longer response.</p>
${lengthBiasSection(results)}
</section>
<section class="card" id="details">
${details(results)}
</section>
<footer>Generated by rmbench ${esc(results.rmbench_version)} · self-contained page, no network needed</footer>
</main>
</body>
</html>
`;
}

/** Shared with the analysis page (src/analysis/html.ts), so both pages look alike. */
/** The start of an rmbench page up to </head>: one stylesheet, and a policy that loads nothing from outside. */
export function pageHead(title: string, version: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="rmbench ${esc(version)}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>`;
}

export { COLORS as REPORT_COLORS, histogram };
