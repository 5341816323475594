import { describe, expect, it } from 'vitest';
import { DEFAULT_RACE_FORMS, type RaceShape } from '../../src/widgets/race/race-math.ts';
import { measuredAt, type LiveResult } from '../../src/widgets/race/race-state.svelte.ts';
import { benchRecord } from '../helpers/records.ts';

/** A live race result at `tokens` for `shape`, with random times. */
function liveResult(shape: Required<RaceShape>, tokens: number): LiveResult {
  const extra = { heads: shape.heads, dim: shape.dim };
  return {
    tokens,
    heads: shape.heads,
    dim: shape.dim,
    chunkSize: shape.chunkSize,
    forms: shape.forms,
    softmax: benchRecord(shape.forms.softmax, tokens, 1 + Math.random(), extra),
    linear: benchRecord(shape.forms.linear, tokens, 1 + Math.random(), {
      ...extra,
      chunkSize: shape.chunkSize,
    }),
  };
}

describe('which live race result was measured at a shape and length', () => {
  const shape: Required<RaceShape> = {
    heads: 12,
    dim: 64,
    chunkSize: 64,
    forms: { softmax: 'softmax-flash', linear: 'gated-chunked' },
  };
  const r = liveResult(shape, 4096);

  it('is the one with the same forms, heads, d, chunk size and length', () => {
    expect(measuredAt(r, shape, 4096)).toBe(true);
    // A result stands for its own shape (the race replaces a re-measured one this way).
    expect(measuredAt(r, r, r.tokens)).toBe(true);
  });

  it('is not one that differs in any of them', () => {
    expect(measuredAt(r, shape, 2048)).toBe(false);
    expect(measuredAt(r, { ...shape, heads: 1 }, 4096)).toBe(false);
    expect(measuredAt(r, { ...shape, dim: 128 }, 4096)).toBe(false);
    expect(measuredAt(r, { ...shape, chunkSize: 32 }, 4096)).toBe(false);
    expect(
      measuredAt(r, { ...shape, forms: { ...shape.forms, softmax: 'softmax-naive' } }, 4096),
    ).toBe(false);
    expect(
      measuredAt(r, { ...shape, forms: { ...shape.forms, linear: 'linear-chunked' } }, 4096),
    ).toBe(false);
  });

  it("reads a shape without forms as the race's default pair", () => {
    const { forms: _forms, ...bare } = shape;
    expect(measuredAt(r, bare, 4096)).toBe(false);
    const byDefault = liveResult({ ...shape, forms: { ...DEFAULT_RACE_FORMS } }, 4096);
    expect(measuredAt(byDefault, bare, 4096)).toBe(true);
  });
});
