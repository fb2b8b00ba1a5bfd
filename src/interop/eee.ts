/**
 * @file Every Eval Ever (evaleval/every_eval_ever, eval.schema.json, schema version 0.2.1): one
 * aggregate record per run. evaluation_results holds the overall score ("Score", as the project's
 * own reward-bench records name it), each section, and each subset that is not its section's only
 * subset of the same name; each with our 95% bootstrap interval in score_details.uncertainty.
 * Only fields that the schema declares are written (it forbids others at the top level); values
 * of every additional_details and details map are strings, as it requires.
 */
import type { Interval, Results } from '../report/schema.js';

export const EEE_SCHEMA_VERSION = '0.2.1';

export interface EeeOptions {
  /** source_metadata.source_organization_name (required by the schema). */
  organization: string;
  /** retrieved_timestamp: when this record is made (written as Unix epoch seconds). */
  now: Date;
}

const strings = (record: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)]));

export function toEveryEvalEver(results: Results, options: EeeOptions): Record<string, unknown> {
  const ci = results.confidence_intervals;
  const items = Object.values(results.subsets).reduce((n, s) => n + s.n, 0);
  const source_data = { dataset_name: results.suite.name, source_type: 'other', additional_details: strings({ suite_version: results.suite.version, items }) };
  const entry = (name: string, level: string, description: string, score: number, interval: Interval, n: number, details?: Record<string, unknown>) => ({
    evaluation_name: name,
    source_data,
    evaluation_timestamp: results.created_at,
    metric_config: {
      evaluation_description: description,
      lower_is_better: false,
      score_type: 'continuous',
      min_score: 0,
      max_score: 1,
      additional_details: { level },
    },
    score_details: {
      score,
      ...(details ? { details: strings(details) } : {}),
      uncertainty: {
        confidence_interval: {
          lower: interval.low,
          upper: interval.high,
          confidence_level: ci.level,
          method: `${ci.method}, items resampled within subsets, seed ${ci.seed}`,
        },
        num_samples: n,
        num_bootstrap_samples: ci.resamples,
      },
    },
  });
  const sections = Object.entries(results.sections).map(([name, score]) => {
    const members = Object.values(results.subsets).filter((s) => s.section === name);
    return entry(name, 'section', `section ${name}: weighted mean of its subsets' scores`, score, ci.sections[name]!, members.reduce((n, s) => n + s.n, 0), {
      weight: results.section_weights[name],
    });
  });
  const subsets = Object.entries(results.subsets)
    // A section of one same-named subset (RewardBench 2) is already there as the section.
    .filter(([name, s]) => !(name === s.section && Object.values(results.subsets).filter((t) => t.section === s.section).length === 1))
    .map(([name, s]) =>
      entry(name, 'subset', `subset ${name} (${s.metric}) of section ${s.section}`, s.accuracy, ci.subsets[name]!, s.n, {
        section: s.section,
        metric: s.metric,
        weight: s.weight,
        n: s.n,
        correct: s.correct,
        ties: s.ties,
        tie_labels: s.tie_labels,
      }),
    );
  const retrieved = String(options.now.getTime() / 1000);
  return {
    schema_version: EEE_SCHEMA_VERSION,
    evaluation_id: `${results.suite.name}/${results.model}/${retrieved}`,
    evaluation_timestamp: results.created_at,
    retrieved_timestamp: retrieved,
    source_metadata: { source_name: 'rmbench', source_type: 'evaluation_run', source_organization_name: options.organization, evaluator_relationship: 'other' },
    eval_library: { name: 'rmbench', version: results.rmbench_version },
    model_info: {
      name: results.model,
      id: results.model,
      additional_details: strings({ model_type: results.model_type, model_sha256: results.model_sha256, chat_template: results.chat_template === null ? null : 'applied' }),
    },
    evaluation_results: [
      entry('Score', 'overall', `overall ${results.suite.name} score: weighted mean of the sections`, results.overall, ci.overall, items),
      ...sections,
      ...subsets,
    ],
  };
}
