import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/gpu/costs.ts';
import { CHUNK_SIZES } from '../../src/gpu/types.ts';
import { bestChunkSize, flopCrossover } from '../../src/widgets/costs/costs-model.ts';
import { CostsState } from '../../src/widgets/costs/costs.svelte.ts';
import { classifyCell, countCells, handOffs } from '../../src/widgets/mask/mask-model.ts';
import { MaskState } from '../../src/widgets/mask/mask.svelte.ts';
import {
  attentionRow,
  createExample,
  formatEntry,
  maxAbsDifference,
  runRecurrence,
} from '../../src/widgets/recurrence/recurrence-math.ts';
import { RecurrenceState } from '../../src/widgets/recurrence/recurrence.svelte.ts';

const freshSeed = () => Math.floor(Math.random() * 2 ** 31);

describe('the recurrence', () => {
  it('equals the attention form to 1e-12 at every step, for fresh random examples', () => {
    for (let trial = 0; trial < 20; trial++) {
      const example = createExample(freshSeed(), 2 + (trial % 15), 2 + (trial % 5));
      const steps = runRecurrence(example);
      steps.forEach((step, t) => {
        const row = attentionRow(example, t);
        expect(row.scores).toHaveLength(t + 1);
        expect(maxAbsDifference(step.output, row.output)).toBeLessThan(1e-12);
      });
      // One step's output can be exactly zero (one-decimal q and k can be orthogonal), but not
      // every step's: the comparison above must not pass on zeros alone.
      expect(steps.some((step) => step.output.some((y) => y !== 0))).toBe(true);
    }
  });

  it('adds exactly v_t k_t^T to the state at each step', () => {
    const example = createExample(freshSeed());
    const steps = runRecurrence(example);
    steps.forEach((step, t) => {
      const { k, v } = example.steps[t]!;
      step.term.forEach((row, r) => row.forEach((x, c) => expect(x).toBe(v[r]! * k[c]!)));
      step.state.forEach((row, r) =>
        row.forEach((x, c) => expect(x).toBeCloseTo(step.previous[r]![c]! + v[r]! * k[c]!, 14)),
      );
      if (t > 0) expect(step.previous).toEqual(steps[t - 1]!.state);
    });
    expect(steps[0]!.previous.flat().every((x) => x === 0)).toBe(true);
  });

  it('draws the same example for the same seed, and one-decimal nonzero entries', () => {
    const seed = freshSeed();
    expect(createExample(seed)).toEqual(createExample(seed));
    expect(createExample(seed)).not.toEqual(createExample(seed + 1));
    for (const { q, k, v } of createExample(seed).steps) {
      for (const x of [...q, ...k, ...v]) {
        expect(x).not.toBe(0);
        expect(Math.abs(x)).toBeLessThanOrEqual(1);
        expect(Math.round(x * 10) / 10).toBe(x);
      }
    }
  });

  it('formats with a true minus sign and no negative zero', () => {
    expect(formatEntry(-0.25)).toBe('\u22120.25');
    expect(formatEntry(-0.0001, 3)).toBe('0.000');
    expect(formatEntry(1.2346, 3)).toBe('1.235');
  });

  it('the state class steps, plays to the end and resets', async () => {
    const rec = new RecurrenceState({ tokens: 5, seed: freshSeed(), interval: 5 });
    expect(rec.position).toBe(1);
    rec.stepBack();
    expect(rec.position).toBe(1);
    rec.stepForward();
    rec.stepForward();
    expect(rec.position).toBe(3);
    expect(rec.comparisons.every((c) => c.equal)).toBe(true);
    rec.play();
    expect(rec.playing).toBe(true);
    await new Promise((done) => setTimeout(done, 100));
    expect(rec.position).toBe(5);
    expect(rec.playing).toBe(false);
    const before = rec.example;
    rec.newNumbers();
    expect(rec.position).toBe(1);
    expect(rec.example).not.toEqual(before);
    rec.destroy();
  });
});

describe('the mask', () => {
  it('classifies every pair for each form and block size', () => {
    for (const block of [2, 4, 8, 16, 32]) {
      for (let i = 0; i < 32; i++) {
        for (let j = 0; j < 32; j++) {
          const sameBlock = Math.floor(i / block) === Math.floor(j / block);
          const later = Math.floor(j / block) > Math.floor(i / block);
          expect(classifyCell('softmax-naive', i, j, block)).toBe(j <= i ? 'score' : 'masked');
          expect(classifyCell('linear-recurrent', i, j, block)).toBe(j <= i ? 'state' : 'skipped');
          for (const form of ['softmax-flash', 'linear-attention'] as const) {
            expect(classifyCell(form, i, j, block)).toBe(
              later ? 'skipped' : j <= i ? 'score' : 'masked',
            );
          }
          expect(classifyCell('linear-chunked', i, j, block)).toBe(
            later ? 'skipped' : sameBlock ? (j <= i ? 'score' : 'masked') : 'state',
          );
        }
      }
    }
  });

  it('counts blocks as the chunked algebra says: n c(c+1)/2 scores, the rest through states', () => {
    const T = 32;
    const causal = (T * (T + 1)) / 2;
    for (const c of [2, 4, 8, 16, 32]) {
      const n = T / c;
      const counts = countCells('linear-chunked', T, c);
      expect(counts.score).toBe((n * c * (c + 1)) / 2);
      expect(counts.masked).toBe((n * c * (c - 1)) / 2);
      expect(counts.state).toBe(causal - counts.score);
      expect(counts.skipped).toBe(T * T - causal - counts.masked);
      expect(handOffs('linear-chunked', T, c)).toHaveLength(n - 1);
      const flash = countCells('softmax-flash', T, c);
      expect(flash.score).toBe(causal);
      expect(flash.skipped).toBe(((n * (n - 1)) / 2) * c * c);
    }
    expect(countCells('linear-recurrent', T, 8)).toEqual({
      score: 0,
      masked: 0,
      state: causal,
      skipped: T * T - causal,
    });
    expect(handOffs('linear-recurrent', T, 8)).toHaveLength(T - 1);
    expect(handOffs('softmax-flash', T, 8)).toEqual([]);
  });

  it('the state class snaps attributes and keeps the cursor on the grid', () => {
    const mask = new MaskState({ form: 'softmax-flash', tokens: 16, blockSize: 5 });
    expect(mask.blockSize).toBe(4);
    expect(mask.counts.score).toBe(136);
    mask.moveCursor(1, 1);
    expect(mask.cursor).toEqual({ i: 0, j: 0 });
    for (let n = 0; n < 40; n++) mask.moveCursor(1, 1);
    expect(mask.cursor).toEqual({ i: 15, j: 15 });
    expect(mask.cursorText).toContain('Query 16, key 16');
    mask.configure({ form: 'nonsense' as never });
    expect(mask.form).toBe('softmax-flash');
  });
});

describe('the cost explorer', () => {
  it('picks the chunk size with the fewest FLOPs under the engine model', () => {
    for (const dim of [16, 32, 64, 128]) {
      for (const tokens of [256, 4096, 65536]) {
        const flops = CHUNK_SIZES.map(
          (c) => estimateCost('linear-chunked', { heads: 1, tokens, dim }, { chunkSize: c }).flops,
        );
        const best = bestChunkSize(tokens, dim);
        expect(flops[CHUNK_SIZES.indexOf(best as (typeof CHUNK_SIZES)[number])]).toBe(
          Math.min(...flops),
        );
      }
    }
    // Arithmetic alone prefers the smallest chunk: 2dTc grows faster than T d^2 / c shrinks.
    expect(bestChunkSize(4096, 64)).toBe(16);
  });

  it('finds where the recurrent form crosses tiled softmax at the theoretical 2d + 1', () => {
    for (const dim of [16, 32, 64, 128]) {
      expect(flopCrossover('linear-recurrent', dim, 64)).toBe(2 * dim + 2);
      const chunked = flopCrossover('linear-chunked', dim, 64);
      expect(chunked).not.toBeNull();
      expect(chunked!).toBeGreaterThan(2 * dim);
    }
  });

  it('the state class snaps T, d and c and derives costs from the model', () => {
    const costs = new CostsState({ tokens: 5000, dim: 60, chunkSize: 100 });
    expect(costs.tokens).toBe(4096);
    expect(costs.dim).toBe(64);
    expect(costs.chunkSize).toBe(128);
    const recurrent = costs.costFor('linear-recurrent')!;
    expect(recurrent.flops).toBe(
      estimateCost('linear-recurrent', { heads: 1, tokens: 4096, dim: 64 }).flops,
    );
    expect(costs.crossover).toBe(129);
    costs.log2Tokens = 20;
    expect(costs.tokens).toBe(1 << 20);
    expect(costs.series).toHaveLength(6);
    costs.setTokens(1);
    expect(costs.tokens).toBe(64);
  });
});
