/**
 * Both recurrent kernels, forced (the dispatcher picks one per device): linear-recurrent-lanes.wgsl
 * (subgroup lanes per state column, no barrier per token) at every lane count this device's
 * subgroups allow, and the staged linear-recurrent.wgsl, gated and ungated, against the float64
 * references, with the output poisoned with NaN (runFactory).
 */
import { describe, expect, it } from 'vitest';
import { createGatedRecurrentWith } from '../../src/gpu/forms/gated/recurrent.ts';
import { referenceGatedAttention } from '../../src/gpu/forms/gated/reference.ts';
import {
  createLinearRecurrentWith,
  planSplitTiles,
  recurrentLanes,
  type LinearRecurrentTuning,
  type SplitTiles,
} from '../../src/gpu/forms/linear/recurrent.ts';
import { referenceLinearAttention } from '../../src/gpu/forms/linear/reference.ts';
import type { FeatureMap } from '../../src/gpu/types.ts';
import { drawProblem, linearOptions, relativeError, runFactory } from './linear-helpers.ts';
import { gpu, readyDevice } from './setup.ts';

const BOUND = 1e-4;

/** (dim, feature map, normalised, tokens): odd lengths, T = 1, a block's edge. */
const CASES: readonly [number, FeatureMap, boolean, number][] = [
  [64, 'softplus', true, 1],
  [64, 'softplus', true, 203],
  [64, 'identity', false, 64],
  [16, 'identity', true, 33],
  [32, 'elu1', false, 17],
  [128, 'softplus', true, 9],
];

describe.skipIf(!gpu)('the recurrent kernels, each forced', async () => {
  const ready = gpu ? await readyDevice() : null;
  const device = ready ? ready.device : (null as unknown as GPUDevice);
  const subgroupMin = device?.features.has('subgroups')
    ? (device.adapterInfo?.subgroupMinSize ?? 0)
    : 0;

  /** Lane counts the lanes kernel can run here at `dim` (none without subgroups). */
  function laneCounts(dim: number): number[] {
    const most = recurrentLanes(dim, subgroupMin);
    const counts = [];
    for (let lanes = 4; lanes <= most; lanes *= 2) {
      if (dim / (4 * lanes) <= 8) counts.push(lanes);
    }
    return counts;
  }

  /**
   * The split kernel's tilings to check at `dim`: the planned one, then whole columns per thread
   * (RP = 1, at d <= 64), 16 rows per thread with one column per workgroup, and an odd block length
   * with two barriers per block and with one.
   */
  function splitTilings(dim: number, normalize: boolean): SplitTiles[] {
    const planned = planSplitTiles(dim, normalize);
    return [
      planned,
      ...(dim <= 64 ? [{ rowParts: 1, columns: dim, blockTokens: 8 }] : []),
      { rowParts: dim / 16, columns: 1, blockTokens: 16 },
      { ...planned, blockTokens: 5 },
      { ...planned, blockTokens: 5, oneBarrier: true },
    ];
  }

  it('planSplitTiles keeps 4 rows per thread up to d = 64 and fits z in 256 threads', () => {
    expect(planSplitTiles(64, true)).toEqual({ rowParts: 16, columns: 8, blockTokens: 16 });
    expect(planSplitTiles(64, false)).toEqual({ rowParts: 16, columns: 16, blockTokens: 16 });
    expect(planSplitTiles(128, true)).toEqual({ rowParts: 16, columns: 8, blockTokens: 16 });
    expect(planSplitTiles(16, true)).toEqual({ rowParts: 4, columns: 16, blockTokens: 16 });
  });

  it('linear-recurrent: the split kernel matches within 1e-4 at each tiling, and carries the state over 37-token dispatches', async () => {
    for (const [dim, featureMap, normalize, tokens] of CASES) {
      for (const split of splitTilings(dim, normalize)) {
        for (const maxTokens of [16_384, 37]) {
          const options = linearOptions('linear-recurrent', { featureMap, normalize });
          const problem = drawProblem(2, tokens, dim, options);
          const tuning: LinearRecurrentTuning = { kernel: 'split', split, maxTokens };
          const actual = await runFactory(
            device,
            createLinearRecurrentWith(tuning),
            problem,
            options,
          );
          const error = relativeError(actual, referenceLinearAttention(problem, options));
          const what = `${JSON.stringify(split)} max=${maxTokens} d=${dim} T=${tokens} phi=${featureMap} normalize=${normalize}`;
          expect(error, what).toBeLessThanOrEqual(BOUND);
        }
      }
    }
  });

  it('recurrentLanes gives D / 4 lanes for subgroups of 32, the subgroup size below that, and 0 without', () => {
    expect(recurrentLanes(64, 32)).toBe(16);
    expect(recurrentLanes(128, 32)).toBe(32);
    expect(recurrentLanes(64, 8)).toBe(8);
    expect(recurrentLanes(16, 4)).toBe(4);
    expect(recurrentLanes(128, 4)).toBe(4);
    expect(recurrentLanes(64, 0)).toBe(0);
    expect(recurrentLanes(64, 2)).toBe(0);
  });

  it('linear-recurrent: the lanes kernel at every lane count and the staged kernel match within 1e-4', async () => {
    expect(laneCounts(64).length, 'this device runs the lanes kernel').toBeGreaterThan(0);
    for (const [dim, featureMap, normalize, tokens] of CASES) {
      for (const lanes of [0, ...laneCounts(dim)]) {
        const options = linearOptions('linear-recurrent', { featureMap, normalize });
        const problem = drawProblem(2, tokens, dim, options);
        const actual = await runFactory(
          device,
          createLinearRecurrentWith({ lanes }),
          problem,
          options,
        );
        const error = relativeError(actual, referenceLinearAttention(problem, options));
        const what = `lanes=${lanes} d=${dim} T=${tokens} phi=${featureMap} normalize=${normalize}`;
        expect(error, what).toBeLessThanOrEqual(BOUND);
      }
    }
  });

  it('gated-recurrent: every kernel matches within 1e-4, and carry the state over 37-token dispatches', async () => {
    for (const [dim, tokens, maxTokens] of [
      [64, 150, 37],
      [32, 301, 16_384],
      [64, 1, 16_384],
    ] as const) {
      const tunings: LinearRecurrentTuning[] = [
        ...[0, ...laneCounts(dim)].map((lanes) => ({ lanes, maxTokens })),
        ...splitTilings(dim, true).map((split) => ({ kernel: 'split' as const, split, maxTokens })),
      ];
      for (const tuning of tunings) {
        const options = linearOptions('gated-recurrent');
        const logDecay = Float32Array.from({ length: 3 * tokens }, () => -0.5 * Math.random());
        const problem = { ...drawProblem(3, tokens, dim, options), logDecay };
        const actual = await runFactory(device, createGatedRecurrentWith(tuning), problem, options);
        const error = relativeError(actual, referenceGatedAttention(problem, options));
        expect(error, `${JSON.stringify(tuning)} d=${dim} T=${tokens}`).toBeLessThanOrEqual(BOUND);
      }
    }
  });

  it('linear-recurrent: the lanes kernel carries the state over 37-token dispatches (H=3, T=150)', async () => {
    for (const lanes of laneCounts(64)) {
      const options = linearOptions('linear-recurrent');
      const problem = drawProblem(3, 150, 64, options);
      const actual = await runFactory(
        device,
        createLinearRecurrentWith({ lanes, maxTokens: 37 }),
        problem,
        options,
      );
      const error = relativeError(actual, referenceLinearAttention(problem, options));
      expect(error, `lanes=${lanes}`).toBeLessThanOrEqual(BOUND);
    }
  });
});
