/**
 * The chunk states computed in one sequential pass (linear-states-sequential.wgsl, forced with
 * `states: 'fused'`), gated and ungated, against the float64 references: chunk sizes that make
 * blocks of 16 to 64 tokens, lengths that end mid-chunk, T = 1, dispatches split every few chunks
 * (the carry) and one head of states at a time. Outputs are poisoned with NaN (runFactory).
 */
import { describe, expect, it } from 'vitest';
import { createGatedChunkedWith } from '../../src/gpu/forms/gated/chunked.ts';
import { referenceGatedAttention } from '../../src/gpu/forms/gated/reference.ts';
import { createLinearChunkedWith, stateTilesPerHead } from '../../src/gpu/forms/linear/chunked.ts';
import { referenceLinearAttention } from '../../src/gpu/forms/linear/reference.ts';
import type { FeatureMap } from '../../src/gpu/types.ts';
import { drawProblem, linearOptions, relativeError, runFactory } from './linear-helpers.ts';
import { gpu, readyDevice } from './setup.ts';

const BOUND = 1e-4;

/** (dim, chunk size, tokens, feature map, normalised). */
const CASES: readonly [number, number, number, FeatureMap, boolean][] = [
  [64, 64, 200, 'softplus', true],
  [64, 64, 1, 'softplus', true],
  [32, 16, 77, 'identity', false],
  [16, 256, 300, 'elu1', true],
  [32, 48, 101, 'softplus', false],
  [64, 128, 129, 'identity', true],
];

describe.skipIf(!gpu)('the chunk states in one sequential pass', async () => {
  const device = gpu ? (await readyDevice()).device : (null as unknown as GPUDevice);

  it('tiles each head as (D / 16) x (D / 16 + 1) workgroups', () => {
    expect([16, 32, 64, 128].map(stateTilesPerHead)).toEqual([2, 6, 20, 72]);
  });

  it('linear-chunked with fused states matches within 1e-4, in one dispatch and split every 2 chunks', async () => {
    for (const [dim, chunkSize, tokens, featureMap, normalize] of CASES) {
      for (const tuning of [
        { states: 'fused' as const },
        {
          states: 'fused' as const,
          maxStateTokens: 2 * chunkSize,
          // One head's states per buffer: the heads run one group at a time.
          maxStateBytes: 4 * Math.ceil(tokens / chunkSize) * dim * (dim + 1),
        },
      ]) {
        const options = linearOptions('linear-chunked', { chunkSize, featureMap, normalize });
        const problem = drawProblem(3, tokens, dim, options);
        const actual = await runFactory(device, createLinearChunkedWith(tuning), problem, options);
        const error = relativeError(actual, referenceLinearAttention(problem, options));
        const what = `d=${dim} c=${chunkSize} T=${tokens} phi=${featureMap} normalize=${normalize} ${JSON.stringify(tuning)}`;
        expect(error, what).toBeLessThanOrEqual(BOUND);
      }
    }
  });

  it('gated-chunked with fused states matches within 1e-4 (decays down to exp(-3) per token)', async () => {
    for (const [dim, chunkSize, tokens] of [
      [64, 64, 200],
      [32, 16, 77],
      [16, 256, 300],
      [32, 64, 1],
    ] as const) {
      for (const maxStateTokens of [65_536, chunkSize]) {
        const options = linearOptions('gated-chunked', { chunkSize });
        const logDecay = Float32Array.from({ length: 2 * tokens }, () => -3 * Math.random());
        const problem = { ...drawProblem(2, tokens, dim, options), logDecay };
        const actual = await runFactory(
          device,
          createGatedChunkedWith({ states: 'fused', maxStateTokens }),
          problem,
          options,
        );
        const error = relativeError(actual, referenceGatedAttention(problem, options));
        expect(
          error,
          `d=${dim} c=${chunkSize} T=${tokens} split=${maxStateTokens}`,
        ).toBeLessThanOrEqual(BOUND);
      }
    }
  });
});
