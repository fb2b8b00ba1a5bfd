/**
 * @file datasets.manifest.json: suites of subsets as versioned data. Each subset names its Arrow
 * file (relative to the manifest), checksum, row count, section, weight and metric kind; each suite
 * names its sections' weights in the overall score. Nothing about a benchmark is hard-coded.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UserError, ValidationError } from '../errors.js';
import { readRegularFile } from '../io.js';
import { METRIC_KINDS } from './types.js';

export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE = 'datasets.manifest.json';
/** The manifest shipped with the package (same relative depth from src/ and dist/). */
export const BUNDLED_MANIFEST = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', MANIFEST_FILE);

/**
 * Suite and subset names: they become folder and file names, so no separators and not "." or "..".
 * Inner spaces are kept (RewardBench 2 has a "Precise IF" subset).
 */
const NAME = /^(?!\.+$)[A-Za-z0-9._-](?:[A-Za-z0-9._ -]*[A-Za-z0-9._-])?$/;
const NAME_RULE = 'letters, digits, ".", "_", "-" and inner spaces only, not only dots';
const Name = z.string().regex(NAME, NAME_RULE);

/** Throws a UserError unless `name` is a valid suite or subset name. */
export function checkName(kind: 'suite' | 'subset', name: string): void {
  if (!NAME.test(name)) throw new UserError(`${kind} name "${name}": expected ${NAME_RULE}`);
}

/** True when a path, taken relative to some folder, stays inside that folder (lexically). */
export function staysInside(path: string): boolean {
  const normal = normalize(path);
  return !isAbsolute(normal) && normal !== '.' && normal !== '..' && !normal.startsWith(`..${sep}`);
}

const SubsetSchema = z
  .object({
    name: Name,
    // Subset files stay inside the manifest's folder: a manifest cannot make rmbench read /etc/passwd.
    file: z.string().min(1).refine(staysInside, 'a path inside the manifest\'s folder (relative, no "..")'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256'),
    rows: z.number().int().positive(),
    section: z.string().min(1),
    weight: z.number().positive(),
    metric: z.enum(METRIC_KINDS),
    /** Which response RewardBench's length categories expect to be chosen: for the length-bias summary. */
    length_category: z.enum(['longer', 'shorter', 'neutral']).optional(),
    source: z.string().optional(),
    license: z.string().optional(),
    note: z.string().optional(),
  })
  .strict();

const SuiteSchema = z
  .object({
    version: z.string().min(1),
    description: z.string().optional(),
    source: z.string().optional(),
    license: z.string().optional(),
    /** Best-of-n ties: "shared" (RewardBench 2, the default) gives 1/(1+k), "wrong" (RMB) 0. */
    best_of_n_ties: z.enum(['shared', 'wrong']).optional(),
    /** What the overall score covers when it differs from the benchmark's own (copied to the results). */
    overall_note: z.string().optional(),
    sections: z.record(z.string(), z.object({ weight: z.number().nonnegative(), note: z.string().optional() }).strict()),
    subsets: z.array(SubsetSchema),
  })
  .strict();

const ManifestSchema = z
  .object({
    manifest_version: z.literal(MANIFEST_VERSION),
    suites: z.record(Name, SuiteSchema),
  })
  .strict();

export type SubsetEntry = z.infer<typeof SubsetSchema>;
export type SuiteEntry = z.infer<typeof SuiteSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;

/** A suite resolved against its manifest's location. */
export interface Suite extends SuiteEntry {
  name: string;
  /** Directory that subset file paths are relative to. */
  root: string;
  manifestPath: string;
}

/** Validates a parsed manifest; returns every problem found, not just the first. */
export function validateManifest(data: unknown): { manifest: Manifest; problems: [] } | { manifest: undefined; problems: string[] } {
  const parsed = ManifestSchema.safeParse(data);
  if (!parsed.success) {
    return { manifest: undefined, problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
  }
  const problems: string[] = [];
  for (const [suiteName, suite] of Object.entries(parsed.data.suites)) {
    const seen = new Set<string>();
    suite.subsets.forEach((s, i) => {
      const at = `suites.${suiteName}.subsets.${i}`;
      if (seen.has(s.name)) problems.push(`${at}.name: duplicate subset "${s.name}"`);
      seen.add(s.name);
      if (!(s.section in suite.sections)) {
        problems.push(`${at}.section: "${s.section}" is not among the suite's sections (${Object.keys(suite.sections).join(', ')})`);
      }
    });
    for (const section of Object.keys(suite.sections)) {
      if (!suite.subsets.some((s) => s.section === section)) problems.push(`suites.${suiteName}.sections.${section}: no subset belongs to it`);
    }
    const sections = Object.values(suite.sections);
    if (sections.length > 0 && !sections.some((s) => s.weight > 0)) problems.push(`suites.${suiteName}.sections: every section weighs 0, so no overall score exists`);
  }
  return problems.length ? { manifest: undefined, problems } : { manifest: parsed.data, problems: [] };
}

export function readManifest(path: string): Manifest {
  const text = readRegularFile(path, 'the dataset manifest').toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const { manifest, problems } = validateManifest(data);
  if (!manifest) throw new ValidationError(path, problems);
  return manifest;
}

/** The manifest a run reads: the given one, else ./datasets.manifest.json, else the bundled one. */
export function defaultManifestPath(explicit?: string, cwd = process.cwd()): string {
  if (explicit) return resolve(cwd, explicit);
  const local = resolve(cwd, MANIFEST_FILE);
  return existsSync(local) ? local : BUNDLED_MANIFEST;
}

export function resolveSuite(manifestPath: string, name: string): Suite {
  const manifest = readManifest(manifestPath);
  const suite = manifest.suites[name];
  if (!suite) {
    const known = Object.keys(manifest.suites);
    throw new UserError(`${manifestPath}: no suite "${name}" (available: ${known.length ? known.join(', ') : 'none'})`);
  }
  return { ...suite, name, root: dirname(manifestPath), manifestPath };
}

/**
 * A suite's data fingerprint: sha256 over the (subset name, file sha256) pairs of the manifest
 * entries read, sorted by name. Results record it (gate, leaderboard, merge and compare refuse to
 * mix fingerprints); a re-import of changed data puts its first 8 digits in the suite's version.
 */
export function dataFingerprint(entries: readonly { name: string; sha256: string }[]): string {
  const pairs = entries.map((e) => [e.name, e.sha256] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex');
}
