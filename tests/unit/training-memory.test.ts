/**
 * A training step's memory (src/gpu/backward/memory.ts) against the buffers createAttentionTraining
 * creates, counted by hand: q, k, v, out, dL/dout, dq, dk, dv; softmax-flash's (lse, D) per row;
 * the chunked forms' forward and reverse chunk states, 1/den and dden and dG per row, and phi(q),
 * phi(k) once where the forward's feature-map pass runs (the backward maps q and k in its kernels);
 * gated, g, its cumulative sums, dL/dg and one dG total per chunk.
 */
import { describe, expect, it } from 'vitest';
import { trainingWorkingBytes } from '../../src/gpu/backward/memory.ts';
import type { FeatureMap } from '../../src/gpu/types.ts';
import { pick } from '../helpers/random.ts';

const KIB = 1024;
const drawShape = (dims: readonly number[]) => ({
  heads: 1 + Math.floor(Math.random() * 12),
  tokens: 1 + Math.floor(Math.random() * 20_000),
  dim: pick(dims),
});

describe("a training step's memory", () => {
  it('softmax-flash: eight T x d tensors and two floats per row', () => {
    for (let trial = 0; trial < 10; trial++) {
      const shape = drawShape([16, 32, 64, 128]);
      const { heads: H, tokens: T, dim: d } = shape;
      expect(trainingWorkingBytes('softmax-flash', shape), JSON.stringify(shape)).toBe(
        4 * H * (8 * T * d + 2 * T),
      );
    }
  });

  it('chunked forms: the chunk states twice, phi(q) and phi(k) once where the pass runs', () => {
    for (let trial = 0; trial < 10; trial++) {
      const shape = drawShape([16, 32, 64, 128]);
      const { heads: H, tokens: T, dim: d } = shape;
      const chunkSize = pick([16, 32, 64]);
      const featureMap = pick<FeatureMap>(['identity', 'softplus', 'elu1']);
      const workgroupStorageBytes = pick([16 * KIB, 32 * KIB, 48 * KIB]);
      // The whole-tile kernel maps as it stages: at c = 64 and d <= 64, given 24, 32 or 48 KiB.
      const wholeNeeds: Record<number, number> = { 16: 24 * KIB, 32: 32 * KIB, 64: 48 * KIB };
      const whole = chunkSize === 64 && workgroupStorageBytes >= (wholeNeeds[d] ?? Infinity);
      const phi = featureMap !== 'identity' && !whole ? 2 * T * d : 0;
      const chunks = Math.ceil(T / chunkSize);
      const linear = 8 * T * d + 2 * chunks * d * (d + 1) + phi + 2 * T + T;
      const what = `${JSON.stringify(shape)} c=${chunkSize} ${featureMap} at ${workgroupStorageBytes}`;
      const options = { chunkSize, featureMap, workgroupStorageBytes };
      expect(trainingWorkingBytes('linear-chunked', shape, options), what).toBe(4 * H * linear);
      expect(trainingWorkingBytes('gated-chunked', shape, options), what).toBe(
        4 * H * (linear + 3 * T + chunks),
      );
    }
  });

  it('holds the feature-map scratch once: softplus less identity is 2 T d floats per head', () => {
    const shape = { heads: 12, tokens: 4096, dim: 64 };
    for (const form of ['linear-chunked', 'gated-chunked'] as const) {
      const options = { chunkSize: 32, workgroupStorageBytes: 48 * KIB };
      const scratch =
        trainingWorkingBytes(form, shape, { ...options, featureMap: 'softplus' }) -
        trainingWorkingBytes(form, shape, { ...options, featureMap: 'identity' });
      expect(scratch, form).toBe(12 * 2 * 4096 * 64 * 4);
    }
  });
});
