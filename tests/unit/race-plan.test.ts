import { describe, expect, it } from 'vitest';
import {
  compareSentence,
  FIRST_STEP_MS,
  formFlops,
  MAX_DISPATCH_MS,
  PILOT_TOKENS,
  planNextLength,
  PREDICTION_SAFETY,
  predictRunMs,
  predictStepMs,
  RACE_BUDGET_MS,
  referenceComparison,
  referencePoint,
  refinementLadder,
  roughDuration,
  RUNS_PER_POINT,
  type Observations,
  type RaceShape,
} from '../../src/widgets/race/race-math.ts';
import { benchRecord } from '../helpers/records.ts';

const shape: RaceShape = { heads: 12, dim: 64, chunkSize: 64 };

/** Observations where one run at `tokens` took `softmaxMs` and `linearMs`. */
function seen(tokens: number, softmaxMs: number, linearMs: number): Observations {
  return {
    'softmax-flash': { tokens, ms: softmaxMs },
    'linear-chunked': { tokens, ms: linearMs },
  };
}

const rec = (form: string, tokens: number, ms: number) => benchRecord(form, tokens, ms);

describe('predicting a run from a shorter one', () => {
  it('scales by the FLOP model: about 4x per doubling for softmax, about 2x for chunked', () => {
    const o = { tokens: 1024, ms: 10 };
    const softmax = predictRunMs('softmax-flash', shape, o, 2048);
    const linear = predictRunMs('linear-chunked', shape, o, 2048);
    expect(softmax / 10).toBeCloseTo(
      formFlops('softmax-flash', shape, 2048) / formFlops('softmax-flash', shape, 1024),
      9,
    );
    expect(softmax).toBeGreaterThan(39);
    expect(softmax).toBeLessThan(41);
    expect(linear).toBeGreaterThan(19);
    expect(linear).toBeLessThan(21);
    expect(predictRunMs('softmax-flash', shape, o, 1024)).toBe(10);
  });

  it('costs a step as RUNS_PER_POINT runs of each form, and knows nothing without both forms', () => {
    expect(predictStepMs(shape, seen(1024, 10, 5), 1024)).toBe(RUNS_PER_POINT * 15);
    expect(predictStepMs(shape, { 'softmax-flash': { tokens: 1024, ms: 1 } }, 1024)).toBeNull();
  });
});

describe('the refinement ladder', () => {
  it('climbs by powers of two from what was measured, then ends at the slider', () => {
    expect(refinementLadder(128, 4096)).toEqual([256, 512, 1024, 2048, 4096]);
    expect(refinementLadder(256, 5824)).toEqual([512, 1024, 2048, 4096, 5824]);
    expect(refinementLadder(192, 1024)).toEqual([256, 512, 1024]);
    expect(refinementLadder(2048, 2896)).toEqual([2896]);
  });
});

describe('planning the next length', () => {
  const base = { shape, target: 4096, measured: 0, seen: {}, spentMs: 0, budgetMs: RACE_BUDGET_MS };

  it('starts with a pilot at a short length, or the target when that is shorter', () => {
    expect(planNextLength(base)).toEqual({ tokens: PILOT_TOKENS, heads: 1 });
    expect(planNextLength({ ...base, target: 64 })).toEqual({ tokens: 64, heads: 1 });
    const oneHead = { ...shape, heads: 1 };
    expect(planNextLength({ ...base, shape: oneHead })).toEqual({ tokens: PILOT_TOKENS, heads: 1 });
  });

  it('goes straight to the target on a fast device', () => {
    // An H200-like device: 0.03 ms per run at 128 tokens.
    const plan = planNextLength({
      ...base,
      measured: 128,
      seen: seen(128, 0.03, 0.03),
      spentMs: 50,
    });
    expect(plan).toEqual({ tokens: 4096, heads: 12 });
  });

  it('after a one-head pilot, scales the prediction by the heads too', () => {
    const pilot: Observations = {
      'softmax-flash': { tokens: 128, heads: 1, ms: 10 },
      'linear-chunked': { tokens: 128, heads: 1, ms: 10 },
    };
    // 12 heads at 128 tokens: 5 runs x 2 forms x 120 ms = 1.2 s, x 1.5 = 1.8 s: fits; 256 does not.
    expect(predictStepMs(shape, pilot, 128)).toBeCloseTo(RUNS_PER_POINT * 2 * 120, 6);
    expect(planNextLength({ ...base, seen: pilot, spentMs: 300 })).toEqual({
      tokens: 128,
      heads: 12,
    });
  });

  it('on a slow device picks the longest length whose predicted cost fits the first step', () => {
    // A CPU emulation: 40 ms (softmax) and 60 ms (linear) per run at 128 tokens.
    const s = seen(128, 40, 60);
    const plan = planNextLength({ ...base, measured: 128, seen: s, spentMs: 600 })?.tokens;
    expect(plan).toBeDefined();
    expect(plan!).toBeLessThan(4096);
    const cost = predictStepMs(shape, s, plan!)!;
    expect(cost * PREDICTION_SAFETY).toBeLessThanOrEqual(FIRST_STEP_MS);
    // The next power of two would not have fitted.
    expect(predictStepMs(shape, s, plan! * 2)! * PREDICTION_SAFETY).toBeGreaterThan(FIRST_STEP_MS);
  });

  it('never plans past the budget, and stops when it is spent', () => {
    const s = seen(1024, 100, 50);
    const plan = planNextLength({ ...base, measured: 1024, seen: s, spentMs: 15_000 });
    if (plan !== null) {
      expect(predictStepMs(shape, s, plan.tokens)! * PREDICTION_SAFETY).toBeLessThanOrEqual(5000);
    }
    expect(
      planNextLength({ ...base, measured: 1024, seen: s, spentMs: RACE_BUDGET_MS }),
    ).toBeNull();
  });

  it('never plans a single run longer than one bounded dispatch', () => {
    // Cheap in total but one softmax run at 4,096 would take 16 x 150 ms = 2.4 s.
    const s = seen(1024, 150, 1);
    const plan = planNextLength({ ...base, measured: 1024, seen: s, spentMs: 5000, budgetMs: 1e9 });
    expect(plan).toEqual({ tokens: 2048, heads: 12 });
    expect(predictRunMs('softmax-flash', shape, s['softmax-flash']!, 2048)).toBeLessThanOrEqual(
      MAX_DISPATCH_MS,
    );
  });

  it('uses what is left of the budget when no step fits the early allowance', () => {
    // 128 tokens with 12 heads: 5 x (400 + 1,400) ms = 9 s, x 1.5 = 13.5 s: over the first step's
    // 3 s, within the 20 s budget.
    const pilot: Observations = {
      'softmax-flash': { tokens: 128, heads: 1, ms: 400 / 12 },
      'linear-chunked': { tokens: 128, heads: 1, ms: 1400 / 12 },
    };
    expect(planNextLength({ ...base, seen: pilot, spentMs: 800 })).toEqual({
      tokens: 128,
      heads: 12,
    });
    expect(planNextLength({ ...base, seen: pilot, spentMs: 8000 })).toBeNull();
  });

  it('stops once the target is measured, or when nothing longer fits', () => {
    expect(planNextLength({ ...base, measured: 4096, seen: seen(4096, 1, 1) })).toBeNull();
    expect(
      planNextLength({ ...base, measured: 128, seen: seen(128, 5000, 5000), spentMs: 1 }),
    ).toBeNull();
  });

  it('goes to the target directly when the reader asks, within the budget given', () => {
    const s = seen(1024, 100, 50);
    expect(
      planNextLength({
        ...base,
        measured: 1024,
        seen: s,
        spentMs: 0,
        direct: true,
        budgetMs: 1e6,
        maxDispatchMs: Infinity,
      }),
    ).toEqual({ tokens: 4096, heads: 12 });
    expect(
      planNextLength({
        ...base,
        measured: 1024,
        seen: s,
        spentMs: 0,
        direct: true,
        budgetMs: 1000,
      }),
    ).toBeNull();
  });
});

describe('plain-words durations and comparisons', () => {
  it('rounds durations for a sentence', () => {
    expect(roughDuration(400)).toBe('about 1 s');
    expect(roughDuration(7400)).toBe('about 7 s');
    expect(roughDuration(41_000)).toBe('about 40 s');
    expect(roughDuration(190_000)).toBe('about 3 min');
    expect(roughDuration(4 * 3600_000)).toBe('about 4 h');
  });

  it('names the baseline in every comparison', () => {
    expect(compareSentence(9.7, 1, 'our tiled softmax')).toBe(
      'linear is 9.7x faster than our tiled softmax',
    );
    expect(compareSentence(1, 2, "PyTorch's fused attention")).toBe(
      "PyTorch's fused attention is 2.0x faster than linear",
    );
    expect(compareSentence(1.01, 1, 'x')).toBe('linear and x take about the same time');
  });
});

describe('the reference point', () => {
  const records = [
    rec('softmax-flash', 2048, 0.5),
    rec('linear-chunked', 2048, 0.1),
    rec('softmax-flash', 4096, 1.6),
    rec('linear-chunked', 4096, 0.16),
    rec('softmax-flash', 128, 0.02),
    rec('linear-chunked', 128, 0.03),
  ];
  const torch = [
    { form: 'softmax-sdpa', tokens: 4096, heads: 12, dim: 64, ms: 0.8 },
    { form: 'linear-chunked', tokens: 4096, heads: 12, dim: 64, ms: 0.4 },
  ];

  it('takes the nearest measured length, with PyTorch at that same length', () => {
    const p = referencePoint(records, torch, 5824)!;
    expect(p.tokens).toBe(4096);
    expect(p.torchMs).toBe(0.8);
    expect(referenceComparison(p)).toBe(
      "linear is 10.0x faster than our tiled softmax and 5.0x faster than PyTorch's fused fp32 attention (no tensor cores)",
    );
  });

  it('says where PyTorch was not measured instead of borrowing another length', () => {
    const p = referencePoint(records, torch, 2048)!;
    expect(p.torchMs).toBeNull();
    expect(referenceComparison(p)).toBe(
      "linear is 5.0x faster than our tiled softmax (PyTorch's fused fp32 attention was not measured at 2,048 tokens)",
    );
  });

  it('keeps both subjects when the baselines win', () => {
    const p = referencePoint(
      records,
      [{ form: 'softmax-sdpa', tokens: 128, heads: 12, dim: 64, ms: 0.01 }],
      128,
    )!;
    expect(referenceComparison(p)).toBe(
      "our tiled softmax is 1.5x faster than linear; PyTorch's fused fp32 attention (no tensor cores) is 3.0x faster than linear",
    );
  });
});

describe('the race state without a GPU', () => {
  it('configure takes any subset, ignores non-finite values, and the verdict follows the slider', async () => {
    const { RaceState } = await import('../../src/widgets/race/race-state.svelte.ts');
    const race = new RaceState();
    race.configure({ tokens: 128, minTokens: 128, maxTokens: 131072, heads: 12, dim: 64 });
    expect(race.tokens).toBe(128);
    expect(race.verdict?.text).toMatch(/^At 128 tokens on the reference GPU/);
    race.configure({ tokens: 512 });
    expect(race.tokens).toBe(512);
    expect(race.heads).toBe(12);
    expect(race.verdict?.text).toMatch(/^At 512 tokens /);
    race.configure({ heads: 2, tokens: Number.NaN, dim: 7 });
    expect(race.heads).toBe(2);
    expect(race.tokens).toBe(512);
    expect(race.dim).toBe(64);
    // The reference measured 12 heads: the verdict says so where the reader chose another shape.
    expect(race.verdict?.text).toContain('H = 12, d = 64');
    race.setStep(race.step + 2);
    expect(race.verdict?.text).toMatch(/^At 1,024 tokens /);
    expect(race.failure).toBeNull();
  });
});
