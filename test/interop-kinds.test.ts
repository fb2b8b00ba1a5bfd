/**
 * The reward-bench export names each kind as reward-bench's results do (its model_type values), as
 * the kind itself declares it, and a DPO run's reference model as ref_model.
 */
import { describe, expect, it } from 'vitest';
import { REWARD_BENCH_MODEL_TYPES, rewardBenchModelType } from '../src/interop/reward-bench.js';
import { KINDS } from '../src/scorers/kinds/registry.js';

describe('reward-bench model_type of every kind', () => {
  it('maps each kind to one of reward-bench\'s model types', () => {
    const type = (kind: string, config: Record<string, unknown> = {}) => rewardBenchModelType({ model_type: kind, config });
    expect(type('bradley-terry')).toBe('Seq. Classifier');
    expect(type('length')).toBe('Seq. Classifier');
    expect(type('armorm')).toBe('Custom Classifier');
    expect(type('gpm')).toBe('Custom Classifier');
    expect(type('pairwise')).toBe('Custom Classifier');
    expect(type('dpo', { reward: 'reference' })).toBe('DPO');
    expect(type('dpo', { reward: 'sum' })).toBe('DPO Ref. Free');
    expect(type('judge')).toBe('Generative RM');
    // An imported reward-bench run keeps its own type.
    expect(type('DPO Ref. Free')).toBe('DPO Ref. Free');
    for (const kind of Object.keys(KINDS)) expect(REWARD_BENCH_MODEL_TYPES).toContain(type(kind, { reward: 'reference' }));
  });
});
