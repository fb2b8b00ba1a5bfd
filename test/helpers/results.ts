/** A schema-valid results object around the fields a test cares about (hand-built runs). */
import { RESULTS_SCHEMA_VERSION, type Results, type SubsetResult } from '../../src/report/schema.js';

export function resultsFor(fields: Pick<Results, 'model' | 'suite' | 'scores_file'> & { subsets: Record<string, SubsetResult> }): Results {
  const interval = { low: 0, high: 1 };
  return {
    schema_version: RESULTS_SCHEMA_VERSION,
    rmbench_version: '0.0.0-test',
    created_at: '2026-01-01T00:00:00.000Z',
    model_type: 'bradley-terry',
    model_path: null,
    model_sha256: null,
    chat_template: null,
    // One data fingerprint for every hand-built run: they all stand for the same data.
    data_fingerprint: '0'.repeat(64),
    partial: false,
    selection: { subsets: null, limit: null, shard: null },
    config: {},
    sections: { all: 0 },
    section_weights: { all: 1 },
    overall: 0,
    confidence_intervals: { method: 'bootstrap-percentile', resamples: 1000, level: 0.95, seed: 1, subsets: Object.fromEntries(Object.keys(fields.subsets).map((s) => [s, interval])), sections: { all: interval }, overall: interval },
    length_bias: { subsets: {}, overall: { margin_length_correlation: null, prefers_longer: null }, categories: {}, flag: null },
    timing: { total_s: 0, load_s: 0, tokenize_s: 0, inference_s: 0, other_s: 0, pairs_per_s: 0, tokens_per_s: 0, responses: 0, unique_texts: 0, unique_inputs: 0, cached_texts: 0, batches: 0, real_tokens: 0, padded_tokens: 0, padding_efficiency: 1 },
    warnings: [],
    ...fields,
  };
}
