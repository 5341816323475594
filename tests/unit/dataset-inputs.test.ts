import { describe, expect, it } from 'vitest';
import { headlineMs, timingFields } from '../../scripts/dataset-inputs.mjs';

describe('the native rows a dataset keeps', () => {
  it("takes a round's CUDA-graph time where it has one, else its batched time", () => {
    expect(headlineMs({ ms: 0.5, graphMs: 0.05 })).toBe(0.05);
    expect(headlineMs({ ms: 12.9, batch: 1 })).toBe(12.9);
    expect(headlineMs({ ms: 0.5, graphMs: null })).toBe(0.5);
    expect(headlineMs({ ms: 0.5, graphMs: 0 })).toBe(0.5);
  });

  it('keeps the batch launched call by call as callMs when rounds have graph times', () => {
    const rounds = [
      { ms: 0.4, graphMs: 0.04, batch: 8 },
      { ms: 0.6, graphMs: 0.06, batch: 8 },
      { ms: 0.5, graphMs: 0.05, batch: 8 },
    ];
    const out = timingFields(rounds);
    expect(out.callMs).toBeCloseTo(0.5, 12);
    expect(out.graphMs).toBeCloseTo(0.05, 12);
    expect(out.roundsBatch).toEqual([8, 8, 8]);
    expect(timingFields([{ ms: 13, batch: 1 }]).callMs).toBeUndefined();
  });
});
