/**
 * @file `rmbench data import`: users' JSONL or Parquet preference data -> one Arrow file per
 * subset + manifest entries (sha256, row counts, sections, weights).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { z } from 'zod';
import { UserError, ValidationError } from '../errors.js';
import { readRegularFile, toJson, withFileLock, writeFileAtomic, writeFilesAtomic } from '../io.js';
import { DEFAULT_METRIC, metricOf } from '../metrics/registry.js';
import { rowsToArrow, sha256 } from './arrow.js';
import {
  DEFAULT_LABEL_VALUES,
  LABEL_FIELDS,
  RATING_FIELDS,
  contextPrompt,
  decodeJsonList,
  decodeLabel,
  decodeRatings,
  decodeResponse,
  decodeWinnerFlags,
  isNumericLabel,
  splitByRating,
  turnListProblem,
  type LabelValues,
  type Outcome,
} from './labels.js';
import { MANIFEST_VERSION, checkName, dataFingerprint, readManifest, staysInside, validateManifest, type Manifest, type SubsetEntry, type SuiteEntry } from './manifest.js';
import { METRIC_KINDS, pairKey, type Message, type MetricKind, type PairRow, type Prompt, type Row } from './types.js';

/** Target field -> column name in the user's file. */
export const MAPPABLE_FIELDS = ['id', 'subset', 'prompt', 'chosen', 'rejected', 'tie', 'documents', ...LABEL_FIELDS, ...RATING_FIELDS] as const;
export type ColumnMap = Partial<Record<(typeof MAPPABLE_FIELDS)[number], string>>;

const SectionsFileSchema = z
  .object({
    sections: z.record(
      z.string(),
      z.object({ weight: z.number().nonnegative(), note: z.string().optional(), subsets: z.record(z.string(), z.number().positive()) }).strict(),
    ),
    notes: z.record(z.string(), z.string()).optional(),
    length_categories: z.record(z.string(), z.enum(['longer', 'shorter', 'neutral'])).optional(),
    /** Per-subset metric, overriding --metric (RewardBench 2: "Ties" is rb2-ties, the rest best-of-n). */
    metrics: z.record(z.string(), z.enum(METRIC_KINDS)).optional(),
  })
  .strict()
  .refine((file) => Object.values(file.sections).some((s) => s.weight > 0), { path: ['sections'], message: 'every section weighs 0, so no overall score exists' });
export type SectionsFile = z.infer<typeof SectionsFileSchema>;

export interface ImportOptions {
  file: string;
  suite: string;
  manifestPath: string;
  /** Where Arrow files go (default: datasets/<suite> beside the manifest). */
  outDir?: string;
  map?: ColumnMap;
  /** Subset name for every row when the file has no subset column. */
  subset?: string;
  /** How the subsets are scored (default pairwise; the others take lists of responses). */
  metric?: MetricKind;
  sectionsFile?: string;
  version?: string;
  description?: string;
  source?: string;
  license?: string;
  /** Label and rating imports (src/subsets/labels.ts). */
  convert?: Omit<ConvertOptions, 'rowName'>;
}

export interface ImportResult {
  manifestPath: string;
  subsets: SubsetEntry[];
  /** The suite's version after the import. */
  version: string;
  summary: ImportSummary;
  /** When the suite existed with other data: its version before, and which subsets changed. */
  dataChanged?: { previousVersion: string; added: string[]; changed: string[] };
}

export function parseColumnMap(spec: string): ColumnMap {
  const map: Record<string, string> = {};
  for (const part of spec.split(',').filter(Boolean)) {
    const [target, source] = part.split('=');
    if (!target || !source || !(MAPPABLE_FIELDS as readonly string[]).includes(target)) {
      throw new UserError(`--map "${part}": expected FIELD=COLUMN with FIELD one of ${MAPPABLE_FIELDS.join(', ')}`);
    }
    map[target] = source;
  }
  return map;
}

export function parseMetric(value: string): MetricKind {
  if ((METRIC_KINDS as readonly string[]).includes(value)) return value as MetricKind;
  throw new UserError(`--metric "${value}": expected one of ${METRIC_KINDS.join(', ')}`);
}

/** Records of a file, or of every `*.parquet` shard of a folder in name order, with how to name a record in messages. */
export async function readRecordFiles(path: string): Promise<{ records: Record<string, unknown>[]; rowName: (index: number) => string }> {
  let folder = false;
  try {
    folder = statSync(path).isDirectory();
  } catch {
    // readRegularFile says why the path cannot be read.
  }
  if (!folder) return { records: await readRecords(path), rowName: (i) => `row ${i}` };
  const shards = readdirSync(path)
    .filter((name) => extname(name).toLowerCase() === '.parquet')
    .sort();
  if (!shards.length) throw new UserError(`${path}: a folder without .parquet files (a folder of Parquet shards is imported as one file)`);
  const records: Record<string, unknown>[] = [];
  /** Index of each shard's first record. */
  const starts: number[] = [];
  for (const shard of shards) {
    starts.push(records.length);
    records.push(...(await readRecords(join(path, shard))));
  }
  const rowName = (i: number) => {
    let s = starts.length - 1;
    while (starts[s]! > i) s--;
    return `${shards[s]} row ${i - starts[s]!}`;
  };
  return { records, rowName };
}

export async function readRecords(file: string): Promise<Record<string, unknown>[]> {
  const bytes = readRegularFile(file, 'the data');
  const ext = extname(file).toLowerCase();
  if (ext === '.parquet') {
    try {
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      return (await parquetReadObjects({ file: buffer, compressors })) as Record<string, unknown>[];
    } catch (err) {
      throw new UserError(`${file}: not a readable Parquet file (${(err as Error).message})`);
    }
  }
  if (ext === '.jsonl' || ext === '.ndjson') {
    const records: Record<string, unknown>[] = [];
    bytes.toString('utf8').split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        records.push(JSON.parse(line) as Record<string, unknown>);
      } catch (err) {
        throw new UserError(`${file}: line ${i + 1} is not valid JSON (${(err as Error).message})`);
      }
    });
    return records;
  }
  throw new UserError(`${file}: unsupported extension "${ext}" (expected .jsonl, .ndjson or .parquet)`);
}

export function toPrompt(value: unknown): Prompt | undefined {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return undefined;
  const messages: Message[] = [];
  for (const m of value) {
    const role = (m as { role?: unknown })?.role;
    const content = (m as { content?: unknown })?.content;
    if (typeof content !== 'string' || (role !== 'system' && role !== 'user' && role !== 'assistant')) return undefined;
    messages.push({ role, content });
  }
  return messages.length && messages[messages.length - 1]!.role === 'user' ? messages : undefined;
}

/**
 * Retrieved documents (RAG-RewardBench style) rendered in front of the question:
 * "Document [1] (Title: t)\n<text>\n\nDocument [2] ...\n\nQuestion: <question>". Documents are strings
 * or {title?, text} objects; in a conversation they go into the last user turn.
 */
export function withDocuments(prompt: Prompt, documents: unknown): Prompt | undefined {
  if (!Array.isArray(documents)) return undefined;
  const rendered: string[] = [];
  for (const [i, d] of documents.entries()) {
    const text = typeof d === 'string' ? d : (d as { text?: unknown })?.text;
    const title = typeof d === 'string' ? undefined : (d as { title?: unknown })?.title;
    if (typeof text !== 'string' || (title !== undefined && typeof title !== 'string')) return undefined;
    rendered.push(`Document [${i + 1}]${title ? ` (Title: ${title})` : ''}\n${text}`);
  }
  const withDocs = (question: string) => `${rendered.join('\n\n')}\n\nQuestion: ${question}`;
  if (typeof prompt === 'string') return withDocs(prompt);
  const last = prompt[prompt.length - 1]!;
  return [...prompt.slice(0, -1), { ...last, content: withDocs(last.content) }];
}

export interface ImportSummary {
  /** Records read (rows of the file, or of every shard of a folder). */
  records: number;
  /** Rows written: pairs, or response sets. */
  rows: number;
  /** Tie labels found (labels decoding to a tie, responses rated as high as the best one). */
  ties: number;
  /** Of those, left out: by --drop-ties, or from best-of-N sets, which carry no tie label. */
  ties_dropped: number;
  /** Responses rated lower than the best one by less than --min-margin: left out. */
  below_margin: number;
  /** Records that gave no pair or set (a single rated response, or every other one left out). */
  without_pair: number;
  /** A/B data: how many rows each outcome decided (ties included, dropped or not). */
  outcomes?: Record<Outcome, number>;
  /**
   * A/B data with a label column and no --label-values: rows whose label is a number or boolean,
   * read as 1/true = A wins, 0/false = B wins (index-style labels, 0 = first wins, would flip).
   */
  numeric_labels?: number;
}

export interface ConvertOptions {
  /** What a label column's values mean (default DEFAULT_LABEL_VALUES). */
  labelValues?: LabelValues;
  /** Leave tie labels out instead of keeping them as tie pairs. */
  dropTies?: boolean;
  /** Smallest rating difference that makes a pair (default: any positive difference). */
  minMargin?: number;
  /** How a record is named in messages (default "row N"; a shard folder names the shard). */
  rowName?: (index: number) => string;
}

/** How a file gives the responses, by the fields mapped (docs/datasets.md). */
type Shape = 'pairs' | 'labels' | 'ratings' | 'rated-rows';

function shapeOf(map: ColumnMap): Shape {
  const mapped = (fields: readonly string[]) => fields.filter((f) => map[f as keyof ColumnMap] !== undefined);
  const shapes: [Shape, string[]][] = [
    ['pairs', mapped(['chosen', 'rejected', 'tie'])],
    ['labels', mapped(LABEL_FIELDS)],
    ['ratings', mapped(['responses', 'ratings'])],
    ['rated-rows', mapped(['response', 'rating'])],
  ];
  const used = shapes.filter(([, fields]) => fields.length);
  if (used.length > 1) throw new UserError(`--map: ${used.map(([, f]) => f.join('/')).join(' and ')} describe different shapes of data; map one of them`);
  const [shape, fields] = used[0] ?? ['pairs', []];
  const need = (required: string[]) => {
    const missing = required.filter((f) => !fields.includes(f));
    if (missing.length) throw new UserError(`--map: ${fields.join(', ')} given without ${missing.join(', ')}`);
  };
  if (shape === 'labels') {
    need(['response_a', 'response_b']);
    const flags = fields.some((f) => f.startsWith('winner_'));
    if (fields.includes('label') === flags) throw new UserError('--map: give either label=COLUMN or winner_a=COLUMN,winner_b=COLUMN[,winner_tie=COLUMN], not both or neither');
    if (flags) need(['winner_a', 'winner_b']);
  }
  if (shape === 'ratings') need(['responses', 'ratings']);
  if (shape === 'rated-rows') need(['response', 'rating']);
  return shape;
}

/**
 * A mapped cell: a column, or `COL.FIELD` (FIELD of each object in a list column, as UltraFeedback's
 * completions.response), or `COL+COL+...` (one column per response).
 */
function cell(record: Record<string, unknown>, column: string): unknown {
  if (column in record) return record[column];
  if (column.includes('+')) return column.split('+').map((c) => cell(record, c));
  const dot = column.indexOf('.');
  if (dot < 0) return undefined;
  const outer = record[column.slice(0, dot)];
  const field = column.slice(dot + 1);
  const of = (x: unknown) => (x !== null && typeof x === 'object' ? cell(x as Record<string, unknown>, field) : undefined);
  return Array.isArray(outer) ? outer.map(of) : of(outer);
}

/** One unit of conversion: a record, or (one row per response) the records of one prompt. */
interface Item {
  r: Record<string, unknown>;
  /** Index of the (first) record. */
  i: number;
  rated?: { responses: unknown; ratings: unknown };
}

/** Maps raw records to rows (pairs, or response sets for the set metrics), listing every bad row (up to a limit). */
export function recordsToRows(
  records: readonly Record<string, unknown>[],
  source: string,
  map: ColumnMap = {},
  fixedSubset?: string,
  metricOfSubset: (subset: string) => MetricKind = () => DEFAULT_METRIC,
): Row[] {
  return convertRecords(records, source, map, fixedSubset, metricOfSubset).rows;
}

/** recordsToRows for every shape of data, with the summary of what was kept and left out. */
export function convertRecords(
  records: readonly Record<string, unknown>[],
  source: string,
  map: ColumnMap = {},
  fixedSubset?: string,
  metricOfSubset: (subset: string) => MetricKind = () => DEFAULT_METRIC,
  options: ConvertOptions = {},
): { rows: Row[]; summary: ImportSummary } {
  const shape = shapeOf(map);
  const col = (field: keyof ColumnMap) => map[field] ?? field;
  const rowName = options.rowName ?? ((i: number) => `row ${i}`);
  const labelValues = options.labelValues ?? DEFAULT_LABEL_VALUES;
  const minMargin = options.minMargin ?? 0;
  const summary: ImportSummary = {
    records: records.length,
    rows: 0,
    ties: 0,
    ties_dropped: 0,
    below_margin: 0,
    without_pair: 0,
    ...(shape === 'labels' ? { outcomes: { A: 0, B: 0, tie: 0 } } : {}),
    ...(shape === 'labels' && map.label !== undefined && options.labelValues === undefined ? { numeric_labels: 0 } : {}),
  };
  // Arena's winner-column files hold each prompt and response as a string of a JSON list of turns.
  const arena = shape === 'labels' && map.winner_a !== undefined;
  const turns = (value: unknown) => (arena ? decodeJsonList(value) : value);
  const problems: string[] = [];
  const rows: Row[] = [];
  const isRecord = (r: unknown): r is Record<string, unknown> => typeof r === 'object' && r !== null && !Array.isArray(r);
  const notRecord = (r: unknown, i: number) =>
    problems.push(`${rowName(i)}: ${r === null ? 'null' : Array.isArray(r) ? 'an array' : typeof r}, expected an object with the fields`);

  const items: Item[] = [];
  if (shape === 'rated-rows') {
    // One row per response (HelpSteer2): the rows of one subset and prompt are one item.
    const groups = new Map<string, Item & { rated: { responses: string[]; ratings: number[] } }>();
    records.forEach((r, i) => {
      if (!isRecord(r)) return notRecord(r, i);
      const response = cell(r, col('response'));
      const rawRating = cell(r, col('rating'));
      const rating = typeof rawRating === 'bigint' ? Number(rawRating) : rawRating;
      if (typeof response !== 'string') problems.push(`${rowName(i)}, field "${col('response')}" (response): ${response === undefined ? 'missing' : typeof response}, expected a string`);
      if (typeof rating !== 'number' || !Number.isFinite(rating)) problems.push(`${rowName(i)}, field "${col('rating')}" (rating): ${JSON.stringify(rating ?? null)}, expected a number`);
      if (typeof response !== 'string' || typeof rating !== 'number' || !Number.isFinite(rating)) return;
      const key = JSON.stringify([fixedSubset ?? cell(r, col('subset')) ?? null, cell(r, col('prompt')) ?? null]);
      const group = groups.get(key) ?? { r, i, rated: { responses: [], ratings: [] } };
      groups.set(key, group);
      group.rated.responses.push(response as string);
      group.rated.ratings.push(rating as number);
    });
    items.push(...groups.values());
  } else {
    records.forEach((r, i) => items.push({ r, i }));
  }

  /** subset -> id -> the first row that has it: ids key the scores, so they must be unique. */
  const idRows = new Map<string, Map<string, { row: number; generated: boolean }>>();
  const wrongMetric = new Set<string>();
  for (const { r, i, rated } of items) {
    if (problems.length >= 20) break;
    const at = rowName(i);
    if (!isRecord(r)) {
      notRecord(r, i);
      continue;
    }
    const rawSubset = fixedSubset ?? cell(r, col('subset'));
    const metric = metricOfSubset(String(rawSubset ?? ''));
    const sets = metricOf(metric).rows === 'sets';
    const rawId = cell(r, col('id'));
    const id = rawId === undefined || rawId === null ? String(i) : String(rawId);
    if (rawId !== undefined && rawId !== null && !(typeof rawId === 'string' || typeof rawId === 'bigint' || (typeof rawId === 'number' && Number.isFinite(rawId)))) {
      problems.push(`${at}, field "${col('id')}" (id): ${Array.isArray(rawId) ? 'array' : typeof rawId}, expected a string or a number`);
    } else if (id === '') {
      problems.push(`${at}, field "${col('id')}" (id): empty`);
    } else {
      const generated = rawId === undefined || rawId === null;
      const ids = idRows.get(String(rawSubset)) ?? new Map<string, { row: number; generated: boolean }>();
      idRows.set(String(rawSubset), ids);
      const first = ids.get(id);
      if (first === undefined) ids.set(id, { row: i, generated });
      else {
        const hint = generated || first.generated ? '; a missing id becomes the row number' : '';
        problems.push(`${at}, field "${col('id')}" (id): duplicate id "${id}" in subset "${String(rawSubset)}" (also ${rowName(first.row)}${hint})`);
      }
    }
    if (typeof rawSubset !== 'string' || rawSubset === '') {
      problems.push(`${at}, field "${col('subset')}" (subset): missing; give --subset NAME or --map subset=COLUMN`);
    }
    const subset = String(rawSubset ?? '');
    // Labels give pairs; ratings give pairs or one best-of-n set per prompt.
    if (shape !== 'pairs' && (shape === 'labels' ? sets : !metricOf(metric).fromRatings)) {
      // Said once per subset: every row of it has the same problem.
      if (!wrongMetric.has(subset)) problems.push(`${at}: metric ${metric} in subset "${subset}", but ${shape === 'labels' ? 'labels give pairs (metric pairwise)' : 'ratings give pairs or best-of-n sets'}`);
      wrongMetric.add(subset);
      continue;
    }

    // A/B responses: MT-Bench's conversations carry the prompt before the answers.
    const labelled = shape === 'labels' ? decodeLabelled(r, map, labelValues, turns) : undefined;
    if (typeof labelled === 'string') problems.push(`${at}, ${labelled}`);
    const rawPrompt = turns(cell(r, col('prompt')));
    const context = typeof labelled === 'object' && rawPrompt === undefined ? labelled.context : undefined;
    let prompt = context ? contextPrompt(context) : toPrompt(shape === 'labels' && Array.isArray(rawPrompt) && rawPrompt.length === 1 ? rawPrompt[0] : rawPrompt);
    const promptProblem = shape === 'labels' ? turnListProblem(rawPrompt) : undefined;
    // (An unreadable A/B conversation is the problem already named, not its missing prompt.)
    if (prompt === undefined && !(typeof labelled === 'string' && rawPrompt === undefined)) {
      problems.push(`${at}, field "${col('prompt')}" (prompt): ${promptProblem ? `${promptProblem}, ` : ''}expected a string or a list of {role, content} ending with a user turn`);
    }
    const documents = cell(r, col('documents'));
    if (prompt !== undefined && documents !== undefined && documents !== null) {
      prompt = withDocuments(prompt, documents);
      if (prompt === undefined) problems.push(`${at}, field "${col('documents')}" (documents): expected a list of strings or {title?, text} objects`);
    }
    const base = { id, subset, prompt: prompt ?? '' };

    if (shape === 'pairs') {
      const responses = (field: 'chosen' | 'rejected'): string | string[] => {
        const v = cell(r, col(field));
        if (sets) {
          if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
          problems.push(`${at}, field "${col(field)}" (${field}): ${v === undefined ? 'missing' : typeof v}, expected a non-empty list of strings (metric ${metric})`);
          return [];
        }
        if (typeof v === 'string') return v;
        problems.push(`${at}, field "${col(field)}" (${field}): ${v === undefined ? 'missing' : typeof v}, expected a string`);
        return '';
      };
      const row = { ...base, chosen: responses('chosen'), rejected: responses('rejected') } as Row;
      const tie = cell(r, col('tie'));
      if (tie !== undefined && tie !== null) {
        if (typeof tie !== 'boolean' || sets) problems.push(`${at}, field "${col('tie')}" (tie): expected true or false, on pairwise data only`);
        else (row as PairRow).tie = tie;
      }
      if (tie === true && !sets) {
        summary.ties++;
        if (options.dropTies) {
          summary.ties_dropped++;
          continue;
        }
      }
      rows.push(row);
    } else if (shape === 'labels') {
      if (typeof labelled !== 'object') continue;
      if (context && labelled.contextB && JSON.stringify(labelled.contextB) !== JSON.stringify(context)) {
        problems.push(`${at}, fields "${col('response_a')}" and "${col('response_b')}": the conversations differ before the answers; map prompt=COLUMN`);
        continue;
      }
      const { a, b, outcome, numeric } = labelled;
      summary.outcomes![outcome]++;
      if (numeric && summary.numeric_labels !== undefined) summary.numeric_labels++;
      if (outcome === 'tie') {
        summary.ties++;
        if (options.dropTies) summary.ties_dropped++;
        else rows.push({ ...base, chosen: a, rejected: b, tie: true });
      } else {
        rows.push({ ...base, chosen: outcome === 'A' ? a : b, rejected: outcome === 'A' ? b : a, chosen_position: outcome });
      }
    } else {
      const rawResponses = rated ? rated.responses : cell(r, col('responses'));
      const texts = Array.isArray(rawResponses) && rawResponses.length > 0 && rawResponses.every((x) => typeof x === 'string') ? (rawResponses as string[]) : undefined;
      if (!texts) {
        problems.push(`${at}, field "${col('responses')}" (responses): ${rawResponses === undefined ? 'missing' : typeof rawResponses}, expected a non-empty list of strings`);
        continue;
      }
      const ratings = decodeRatings(rated ? rated.ratings : cell(r, col('ratings')), texts.length);
      if (typeof ratings === 'string') {
        problems.push(`${at}, field "${col(rated ? 'rating' : 'ratings')}" (ratings): ${ratings}`);
        continue;
      }
      const { top, pairs, belowMargin } = splitByRating(ratings, minMargin);
      summary.below_margin += belowMargin;
      const ties = pairs.filter((p) => p.tie).length;
      summary.ties += ties;
      if (sets) {
        // A set has no tie label: responses rated as high as the best one are left out of it.
        summary.ties_dropped += ties;
        const rejected = pairs.filter((p) => !p.tie).map((p) => texts[p.rejected]!);
        if (rejected.length) rows.push({ ...base, chosen: [texts[top]!], rejected });
        else summary.without_pair++;
      } else {
        if (options.dropTies) summary.ties_dropped += ties;
        const kept = pairs.filter((p) => !(p.tie && options.dropTies));
        if (!kept.length) summary.without_pair++;
        // One pair per lower-rated response: its id is the record's id and the response's index.
        for (const p of kept) rows.push({ ...base, id: `${id}:${p.rejected}`, chosen: texts[top]!, rejected: texts[p.rejected]!, ...(p.tie ? { tie: true } : {}) });
      }
    }
  }
  if (problems.length) throw new ValidationError(source, problems);
  if (shape === 'ratings' || shape === 'rated-rows') {
    // Derived ids ("<id>:<k>") could meet a record's own id of that form.
    const seen = new Set<string>();
    for (const row of rows) {
      const key = pairKey(row);
      if (seen.has(key)) throw new ValidationError(source, [`pair id "${row.id}" in subset "${row.subset}" is made twice (record ids and "<id>:<response index>" collide); map id=COLUMN to ids without ":"`]);
      seen.add(key);
    }
  }
  summary.rows = rows.length;
  return { rows, summary };
}

/** The two responses and the label of an A/B row, or "field ...: why" for the message. */
function decodeLabelled(
  r: Record<string, unknown>,
  map: ColumnMap,
  labelValues: LabelValues,
  turns: (value: unknown) => unknown,
): { a: string; b: string; outcome: Outcome; numeric: boolean; context?: readonly Message[]; contextB?: readonly Message[] } | string {
  const a = decodeResponse(turns(cell(r, map.response_a!)));
  if (typeof a === 'string') return `field "${map.response_a}" (response_a): ${a}`;
  const b = decodeResponse(turns(cell(r, map.response_b!)));
  if (typeof b === 'string') return `field "${map.response_b}" (response_b): ${b}`;
  const outcome =
    map.label !== undefined
      ? decodeLabel(cell(r, map.label), labelValues)
      : decodeWinnerFlags({ A: cell(r, map.winner_a!), B: cell(r, map.winner_b!), ...(map.winner_tie !== undefined ? { tie: cell(r, map.winner_tie) } : {}) });
  if (!(outcome === 'A' || outcome === 'B' || outcome === 'tie')) {
    const fields = map.label !== undefined ? `field "${map.label}" (label)` : `fields "${[map.winner_a, map.winner_b, map.winner_tie].filter(Boolean).join('", "')}" (winner_a, winner_b${map.winner_tie ? ', winner_tie' : ''})`;
    return `${fields}: ${outcome}`;
  }
  return { a: a.text, b: b.text, outcome, numeric: map.label !== undefined && isNumericLabel(cell(r, map.label)), context: a.context, contextB: b.context };
}

function readSectionsFile(path: string): SectionsFile {
  const text = readRegularFile(path, 'the sections file').toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: cannot read the sections file (${(err as Error).message})`);
  }
  const parsed = SectionsFileSchema.safeParse(data);
  if (!parsed.success) throw new ValidationError(path, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}

export async function importData(options: ImportOptions): Promise<ImportResult> {
  checkName('suite', options.suite);
  const manifestPath = resolve(options.manifestPath);
  const root = dirname(manifestPath);
  const outDir = resolve(options.outDir ?? join(root, 'datasets', options.suite));
  const sections = options.sectionsFile ? readSectionsFile(options.sectionsFile) : undefined;
  const metricOfSubset = (subset: string): MetricKind => sections?.metrics?.[subset] ?? options.metric ?? DEFAULT_METRIC;
  const { records, rowName } = await readRecordFiles(options.file);
  const { rows, summary } = convertRecords(records, options.file, options.map, options.subset, metricOfSubset, { ...options.convert, rowName });
  if (rows.length === 0) throw new UserError(`${options.file}: no rows`);

  const bySubset = new Map<string, Row[]>();
  for (const row of rows) {
    const list = bySubset.get(row.subset) ?? [];
    list.push(row);
    bySubset.set(row.subset, list);
  }
  for (const subset of bySubset.keys()) checkName('subset', subset);

  const placement = new Map<string, { section: string; weight: number }>();
  if (sections) {
    for (const [section, s] of Object.entries(sections.sections)) {
      for (const [subset, weight] of Object.entries(s.subsets)) placement.set(subset, { section, weight });
    }
    const unplaced = [...bySubset.keys()].filter((s) => !placement.has(s));
    if (unplaced.length) throw new UserError(`${options.sectionsFile}: no section for subset(s) ${unplaced.join(', ')}`);
  }

  const entries: SubsetEntry[] = [];
  const files: [string, Uint8Array][] = [];
  // Subsets in the sections file's order, else in order of first appearance.
  const order = [...placement.keys()];
  const subsetNames = [...bySubset.keys()].sort((a, b) => (sections ? order.indexOf(a) - order.indexOf(b) : 0));
  for (const subset of subsetNames) {
    const subsetRows = bySubset.get(subset)!;
    const bytes = rowsToArrow(subsetRows);
    const path = join(outDir, `${subset}.arrow`);
    // The manifest names files relative to its folder and reads none outside it.
    if (!staysInside(relative(root, path))) throw new UserError(`--out-dir ${outDir}: must be inside the manifest's folder ${root}`);
    files.push([path, bytes]);
    const place = placement.get(subset) ?? { section: 'all', weight: subsetRows.length };
    entries.push({
      name: subset,
      file: relative(root, path),
      sha256: sha256(bytes),
      rows: subsetRows.length,
      section: place.section,
      weight: place.weight,
      metric: metricOfSubset(subset),
      ...(sections?.length_categories?.[subset] ? { length_category: sections.length_categories[subset] } : {}),
      source: options.source ?? basename(options.file),
      ...(options.license ? { license: options.license } : {}),
      ...(sections?.notes?.[subset] ? { note: sections.notes[subset] } : {}),
    });
  }

  // Read, merge and write the manifest under its lock: concurrent imports into one manifest each
  // see the others' suites and never overwrite one another's files.
  return withFileLock(manifestPath, () => {
    const manifest: Manifest = existsSync(manifestPath) ? readManifest(manifestPath) : { manifest_version: MANIFEST_VERSION, suites: {} };
    const previous: SuiteEntry | undefined = manifest.suites[options.suite];
    // Every file an entry points at, except the entries this import replaces.
    const owners = new Map<string, string>();
    for (const [suiteName, suite] of Object.entries(manifest.suites)) {
      for (const s of suite.subsets) if (suiteName !== options.suite || !bySubset.has(s.name)) owners.set(resolve(root, s.file), `suite "${suiteName}" subset "${s.name}"`);
    }
    const taken = files.filter(([path]) => owners.has(path)).map(([path]) => `${path}, which belongs to ${owners.get(path)}`);
    if (taken.length) throw new ValidationError(manifestPath, taken.map((t) => `import into suite "${options.suite}" would overwrite ${t}`));

    // (Overwriting the placeholder keeps the key order of the written manifest.)
    const subsetEntries = entries.map((e) => ({ ...e, source: options.source ?? previous?.source ?? e.source }));
    const kept = (previous?.subsets ?? []).filter((s) => !bySubset.has(s.name));
    const sectionWeights: SuiteEntry['sections'] = { ...(previous?.sections ?? {}) };
    if (sections) for (const [name, s] of Object.entries(sections.sections)) sectionWeights[name] = { weight: s.weight, ...(s.note ? { note: s.note } : {}) };
    else if (!sectionWeights.all) sectionWeights.all = { weight: 1 };
    const subsets = [...kept, ...subsetEntries];
    const before = new Map((previous?.subsets ?? []).map((s) => [s.name, s.sha256]));
    const added = subsetEntries.filter((e) => previous !== undefined && !before.has(e.name)).map((e) => e.name);
    const changed = subsetEntries.filter((e) => before.has(e.name) && before.get(e.name) !== e.sha256).map((e) => e.name);
    const dataChanged = previous !== undefined && added.length + changed.length > 0 ? { previousVersion: previous.version, added, changed } : undefined;
    // Changed data gets a new version (its data fingerprint as semver build metadata), so results
    // of the old and the new data can be told apart.
    const version = options.version ?? (dataChanged ? `${dataChanged.previousVersion.split('+')[0]}+${dataFingerprint(subsets).slice(0, 8)}` : (previous?.version ?? '1'));
    const suite: SuiteEntry = {
      version,
      ...(options.description ?? previous?.description ? { description: options.description ?? previous?.description } : {}),
      ...(options.source ?? previous?.source ? { source: options.source ?? previous?.source } : {}),
      ...(options.license ?? previous?.license ? { license: options.license ?? previous?.license } : {}),
      // How the suite is scored stays with it across re-imports.
      ...(previous?.best_of_n_ties ? { best_of_n_ties: previous.best_of_n_ties } : {}),
      ...(previous?.overall_note ? { overall_note: previous.overall_note } : {}),
      sections: sectionWeights,
      subsets,
    };
    // Drop sections that no subset uses any more, then validate before writing anything.
    for (const name of Object.keys(suite.sections)) if (!suite.subsets.some((s) => s.section === name)) delete suite.sections[name];
    const next = { ...manifest, suites: { ...manifest.suites, [options.suite]: suite } };
    const { problems } = validateManifest(next);
    if (problems.length) throw new ValidationError(manifestPath, problems);

    writeFilesAtomic(files);
    writeFileAtomic(manifestPath, toJson(next));
    return { manifestPath, subsets: subsetEntries, version, summary, ...(dataChanged ? { dataChanged } : {}) };
  });
}
