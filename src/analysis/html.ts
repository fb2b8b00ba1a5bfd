/**
 * @file The analysis as one self-contained HTML page (`rmbench analyze --html`), in the run
 * report's style (its CSS and histogram, src/report/html.ts): the distribution of preference
 * strength, per subset the strength, the share the ensemble prefers the rejected response of and the
 * items every model gets wrong, and the models' agreement (Cohen's kappa). No scripts, no external
 * resources; every text from the inputs is escaped. Hooks for tests: `svg#strength-histogram`,
 * `tr[data-subset]`, `table#kappa td[data-pair]`, `#flagged-count`.
 */
import { REPORT_COLORS, REPORT_CSS, escapeHtml as esc, histogram } from '../report/html.js';
import type { Analysis } from './ensemble.js';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '–' : x.toFixed(d).replace('-', '−'));
const meter = (x: number, color: string) =>
  `<span class="meter"><span class="meter-bar" style="width:${(Math.min(1, Math.max(0, x)) * 100).toFixed(1)}%;background:${color}"></span></span>`;

function subsetTable(a: Analysis): string {
  const rows = Object.entries(a.subsets).map(([name, s]) => {
    const st = s.strength;
    return `<tr data-subset="${esc(name)}"><td class="name">${esc(name)}</td><td><span class="chip chip-metric">${esc(s.metric)}</span></td><td class="r">${s.n}</td><td class="r">${num(st?.mean)}</td><td class="r">${num(st?.std)}</td><td>${st ? meter(st.prefers_rejected, REPORT_COLORS.rejected) : ''}${pct(st?.prefers_rejected)}</td><td class="r">${pct(st?.strongly_prefers_rejected)}</td><td>${meter(s.all_wrong / s.n, REPORT_COLORS.wrong)}${s.all_wrong}</td><td class="r">${s.all_right}</td></tr>`;
  });
  return `<div class="table-wrap"><table><thead><tr><th>subset</th><th>metric</th><th class="r">n</th><th class="r">strength mean</th><th class="r">strength std</th><th>ensemble prefers rejected</th><th class="r">strongly (&lt; −${num(a.strong_threshold)})</th><th>every model wrong</th><th class="r">every model right</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function kappaTable(a: Analysis): string {
  // Shade by kappa: white at 0 or below, the accent colour at 1.
  const cell = (x: number | null, from: string, to: string) =>
    `<td class="r" data-pair="${esc(from)}|${esc(to)}" style="background:rgba(53,104,212,${x === null ? 0 : Math.max(0, x) * 0.45})">${num(x, 3)}</td>`;
  const head = a.models.map((m) => `<th class="r">${esc(m)}</th>`).join('');
  const body = a.models.map((m) => `<tr><th>${esc(m)}</th>${a.models.map((n) => cell(a.kappa[m]![n]!, m, n)).join('')}<td class="r">${pct(a.accuracy[m])}</td></tr>`).join('');
  return `<div class="table-wrap"><table id="kappa"><thead><tr><th></th>${head}<th class="r">items right</th></tr></thead><tbody>${body}</tbody></table></div>`;
}

export function renderAnalysisHtml(a: Analysis, version: string): string {
  const title = `${a.models.length} models on ${a.suite.name} v${a.suite.version}`;
  const strengths = a.pairs.flatMap((p) => (p.strength ? [p.strength.mean] : []));
  const chart = strengths.length
    ? histogram({ id: 'strength-histogram', title: 'Preference strength of the pairs', xLabel: 'ensemble mean of standardised margins (chosen minus rejected)', series: [{ name: 'pairs', color: REPORT_COLORS.model, values: strengths }], signColors: true }).svg
    : '<p class="muted">This suite has no pairs: preference strength needs a margin per pair.</p>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="rmbench ${esc(version)}">
<title>${esc(title)} · rmbench analysis</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header>
<div>
<h1>Ensemble analysis</h1>
<div class="meta">${esc(a.models.join(', '))} · ${esc(a.suite.name)} v${esc(a.suite.version)} · ${a.items} items</div>
</div>
<div class="overall-box"><div class="meta">Every model wrong</div><div class="big" id="all-wrong-count">${a.pairs_all_wrong.length}</div><div class="meta small"><span id="flagged-count">${a.flagged.length}</span> items flagged for review</div></div>
</header>
<section class="card" id="strength">
<h2>Preference strength</h2>
<p class="lead">Each model's margins are divided by their standard deviation over the suite's pairs; a pair's strength is the models' mean. Right of 0 the ensemble agrees with the label; far left of 0 the label may be wrong.</p>
${chart}
</section>
<section class="card" id="subsets">
<h2>Subsets</h2>
<p class="lead">Strength mean and standard deviation over the subset's pairs; the share of pairs whose strength is negative (the ensemble prefers the rejected response) and below −${num(a.strong_threshold)}; items that every model gets wrong (a tie is wrong).</p>
${subsetTable(a)}
</section>
<section class="card" id="agreement">
<h2>Agreement between models</h2>
<p class="lead">Cohen's kappa on per-item right/wrong over all ${a.items} items: 1 is full agreement, 0 what the two accuracies give by chance.</p>
${kappaTable(a)}
</section>
<footer>Generated by rmbench ${esc(version)} · self-contained page, no network needed</footer>
</main>
</body>
</html>
`;
}
