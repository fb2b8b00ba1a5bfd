/**
 * Converts the public RM-Bench, RMB best-of-N and Auto-J files into rmbench's JSONL form and imports
 * them as the suites `rm-bench`, `rmb-bon` and `autoj-pairwise` (Arrow files + manifest entries).
 * Run from the repository root: node_modules/.bin/tsx scripts/convert-suites.ts [../shared/data]
 * Source layout and provenance: ../shared/data/<name>/PROVENANCE.md. Deterministic: a second run
 * reproduces the same files byte for byte.
 */
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { importData } from '../src/subsets/import.js';
import type { MetricKind } from '../src/subsets/types.js';

const DATA = process.argv[2] ?? '../shared/data';
const MANIFEST = 'datasets.manifest.json';
const work = mkdtempSync(join(tmpdir(), 'rmbench-convert-'));

type Json = Record<string, unknown>;
const readJson = (path: string) => JSON.parse(readFileSync(join(DATA, path), 'utf8')) as Json[];

function filesUnder(dir: string): string[] {
  return readdirSync(join(DATA, dir))
    .sort()
    .flatMap((name) => (statSync(join(DATA, dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));
}

async function importSuite(suite: string, metric: MetricKind, records: Json[], sections: Json, meta: { description: string; source: string; license: string; version?: string }) {
  const file = join(work, `${suite}.jsonl`);
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const sectionsFile = join(work, `${suite}.sections.json`);
  writeFileSync(sectionsFile, JSON.stringify(sections));
  const result = await importData({ file, suite, manifestPath: MANIFEST, metric, sectionsFile, version: '1.0.0', ...meta });
  console.log(`${suite}: ${result.subsets.length} subsets, ${result.subsets.reduce((n, s) => n + s.rows, 0)} rows`);
}

/** Suite settings the importer does not take: the best-of-n tie rule and what the overall score covers. */
function setSuiteScoring(suite: string, scoring: { best_of_n_ties?: 'shared' | 'wrong'; overall_note: string }) {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { suites: Record<string, Json> };
  const { sections, subsets, ...head } = manifest.suites[suite]!;
  manifest.suites[suite] = { ...head, ...scoring, sections, subsets };
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Subset name -> its row count, for section weights that pool rows (a micro-average). */
function counts(records: Json[], weight: (r: Json) => number = () => 1): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[r.subset as string] = (out[r.subset as string] ?? 0) + weight(r);
  return out;
}

// RM-Bench: 3 chosen x 3 rejected style variants (concise, detailed plain, detailed markdown).
// Domains are sections; safety pools safety-refuse and safety-response by prompt count.
// The math domain's file is not obtainable here, so overall is the mean of chat, code and safety.
{
  const files = { chat: 'chat_filtered.json', code: 'code_filtered.json', 'safety-refuse': 'safety-refuse_filtered.json', 'safety-response': 'safety-response_filtered.json' };
  const records = Object.entries(files).flatMap(([subset, file]) =>
    readJson(join('rm-bench', 'data', file)).map((r) => ({ id: String(r.id), subset, prompt: r.prompt, chosen: r.chosen, rejected: r.rejected })),
  );
  const n = counts(records);
  await importSuite(
    'rm-bench',
    'style-matrix',
    records,
    {
      sections: {
        chat: { weight: 1, subsets: { chat: n.chat } },
        code: { weight: 1, subsets: { code: n.code } },
        safety: { weight: 1, subsets: { 'safety-refuse': n['safety-refuse'], 'safety-response': n['safety-response'] } },
      },
    },
    {
      description: 'RM-Bench (Liu et al., ICLR 2025): 798 prompts, 3 chosen x 3 rejected style variants; chat, code and safety domains (the math domain, 529 prompts, is not included)',
      source: 'github.com/THU-KEG/RM-Bench@73c52d7b data/{chat,code,safety-refuse,safety-response}_filtered.json',
      license: 'ODC-BY (HF dataset card of THU-KEG/RM-Bench)',
    },
  );
  setSuiteScoring('rm-bench', {
    overall_note: "RM-Bench's overall is the mean of 4 domains (chat, math, code, safety); the math domain is missing here, so this overall is the mean of chat, code and safety, not comparable with published RM-Bench overall scores",
  });
}

// RMB best-of-N: one best answer vs 2-6 losers per prompt; a subset per scenario file, sections
// Helpfulness and Harmlessness pooling their prompts.
{
  const files = filesUnder(join('rmb', 'RMB_dataset', 'BoN_set')).filter((f) => f.endsWith('.json'));
  const records = files.flatMap((file) => {
    const path = relative(join('rmb', 'RMB_dataset', 'BoN_set'), file).replace(/\.json$/, '');
    const subset = path.toLowerCase().replace(/[^a-z0-9/]+/g, '-').replace(/\//g, '.');
    return readJson(file).map((r) => ({
      id: String(r.bon_uid),
      subset,
      section: path.split('/')[0],
      prompt: (r.conversation_input as { role: string; content: string }[]).map(({ role, content }) => ({ role, content })),
      chosen: [(r.bon_best as { answer: string }).answer],
      rejected: (r.loser_list as { answer: string }[]).map((l) => l.answer),
    }));
  });
  const n = counts(records);
  const sections: Record<string, { weight: number; subsets: Record<string, number> }> = {};
  for (const r of records) (sections[r.section as string] ??= { weight: 1, subsets: {} }).subsets[r.subset] = n[r.subset]!;
  await importSuite('rmb-bon', 'best-of-n', records.map(({ section: _, ...r }) => r), { sections }, {
    description: 'RMB best-of-N (Zhou et al., ICLR 2025): 3,786 prompts, the best answer against 2-6 others; 49 scenarios in Helpfulness and Harmlessness',
    source: 'github.com/Zhou-Zoey/RMB-Reward-Model-Benchmark@2be31808 RMB_dataset/BoN_set',
    license: 'none stated by the authors',
    // 1.1.0: ties are counted wrong (RMB's rule) instead of 1/(1+k) (RewardBench 2's).
    version: '1.1.0',
  });
  // RMB's best-of-N is the best answer against each loser: an item counts only if the best beats
  // every loser strictly (RM-R1's public BoN evaluation, the only one; pairwise ties are wrong as in reward-bench).
  setSuiteScoring('rmb-bon', {
    best_of_n_ties: 'wrong',
    overall_note:
      "RMB publishes best-of-N accuracy per alignment goal, and its overall also averages the pairwise set; this overall is the mean of the 2 goals' best-of-N accuracies (Helpfulness, Harmlessness), not RMB's overall",
  });
}

// Auto-J pairwise: human labels 0 (response 1 better), 1 (response 2 better), 2 (tie). Tie-labelled
// pairs are kept with tie = true and not counted in accuracy; sections weigh scenarios by their
// counted (non-tie) pairs, so overall is the pooled accuracy.
{
  const lines = readFileSync(join(DATA, 'autoj-pairwise-test', 'data', 'test', 'testdata_pairwise.jsonl'), 'utf8').trim().split('\n');
  const records = lines.map((line, i) => {
    const r = JSON.parse(line) as Json;
    const [a, b] = [r['response 1'], r['response 2']];
    const secondBetter = r.label === 1;
    return { id: String(i), subset: String(r.scenario), prompt: r.prompt, chosen: secondBetter ? b : a, rejected: secondBetter ? a : b, tie: r.label === 2 };
  });
  await importSuite(
    'autoj-pairwise',
    'pairwise',
    records,
    { sections: { all: { weight: 1, subsets: counts(records, (r) => (r.tie ? 0 : 1)) } } },
    {
      description: 'Auto-J pairwise test (Li et al., 2023): 1,392 human-labelled pairs in 58 scenarios; 373 tie labels are reported, not scored',
      source: 'github.com/GAIR-NLP/auto-j@2ae17a39 data/test/testdata_pairwise.jsonl',
      license: 'none stated by the authors',
    },
  );
}
