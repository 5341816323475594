/**
 * The whole-tile output kernel of the chunked forms (linear-chunked-output-whole.wgsl) against the
 * float64 reference, ungated and gated, over every chunk size it serves (multiples of 64: key tiles
 * before the causal one for c > 64), ragged last blocks, NaN-poisoned outputs (runFactory), and a
 * NaN planted in a later value that must reach no earlier row. SwiftShader offers 32 KiB of
 * workgroup memory, so here the kernel runs at d = 16 and 32 (48 KiB at d = 64: the GPU bench's
 * --verify covers that on a real card); the test first checks that the kernel is the one chosen.
 */
import { describe, expect, it } from 'vitest';
import { referenceGatedAttention } from '../../src/gpu/forms/gated/reference.ts';
import { createGatedChunkedWith } from '../../src/gpu/forms/gated/chunked.ts';
import {
  createLinearChunkedWith,
  SUMMED_STATES_MAX_CHUNKS,
  usesRowsOutput,
  usesWholeOutput,
} from '../../src/gpu/forms/linear/chunked.ts';
import { referenceLinearAttention } from '../../src/gpu/forms/linear/reference.ts';
import type { FeatureMap } from '../../src/gpu/types.ts';
import { ATTENTION_TILINGS } from '../../src/gpu/forms/linear/common.ts';
import { countingDevice } from './counting-device.ts';
import { drawProblem, linearOptions, relativeError, runFactory } from './linear-helpers.ts';
import { gpu, readyDevice } from './setup.ts';

const BOUND = 1e-4;

describe.skipIf(!gpu)(
  'linear-chunked-output-whole.wgsl against the float64 reference',
  async () => {
    const device = gpu ? (await readyDevice()).device : (null as unknown as GPUDevice);
    const storage = gpu ? device.limits.maxComputeWorkgroupStorageSize : 0;

    it('serves d <= 64 at chunk sizes that are multiples of 64, where the workgroup memory fits', () => {
      expect(usesWholeOutput(32, 64, storage)).toBe(true);
      expect(usesWholeOutput(32, 32, storage)).toBe(false);
      expect(usesWholeOutput(128, 64, 1 << 20)).toBe(false);
      expect(usesWholeOutput(64, 64, 48 * 1024)).toBe(true);
      expect(usesWholeOutput(64, 64, 16 * 1024)).toBe(false);
      // The row-slice kernel: c = 64 only, where the whole-tile one serves, below 32 blocks.
      expect(usesRowsOutput(64, 64, 48 * 1024, 12, 128)).toBe(true);
      expect(usesRowsOutput(64, 64, 48 * 1024, 12, 192)).toBe(false);
      expect(usesRowsOutput(64, 64, 48 * 1024, 1, 64 * 31 + 1)).toBe(false);
      expect(usesRowsOutput(64, 64, 48 * 1024, 1, 64 * 31)).toBe(true);
      expect(usesRowsOutput(64, 128, 48 * 1024, 1, 128)).toBe(false);
      expect(usesRowsOutput(64, 64, 16 * 1024, 1, 128)).toBe(false);
    });

    const cases: [number, number, number, FeatureMap, boolean][] = [
      // [dim, tokens, chunk size, feature map, normalised]
      [32, 1, 64, 'softplus', true],
      [32, 63, 64, 'softplus', true],
      [32, 200, 64, 'softplus', true],
      [16, 257, 64, 'identity', false],
      [32, 300, 128, 'elu1', true],
      [16, 701, 256, 'softplus', false],
    ];

    it.each(cases)(
      'linear-chunked d=%i T=%i c=%i %s normalised=%s',
      async (dim, tokens, c, fm, n) => {
        const options = linearOptions('linear-chunked', {
          chunkSize: c,
          featureMap: fm,
          normalize: n,
        });
        const problem = drawProblem(2, tokens, dim, options);
        const expected = referenceLinearAttention(problem, options);
        // At c = 64 both output kernels: the row-slice one (these few blocks' default) and the
        // whole-tile one.
        for (const rowsOutput of c === 64 ? [true, false] : [false]) {
          const factory = createLinearChunkedWith({ rowsOutput });
          const actual = await runFactory(device, factory, problem, options);
          expect(relativeError(actual, expected)).toBeLessThanOrEqual(BOUND);
        }
      },
    );

    it.each(cases)(
      'gated-chunked d=%i T=%i c=%i %s normalised=%s',
      async (dim, tokens, c, fm, n) => {
        const options = linearOptions('gated-chunked', {
          chunkSize: c,
          featureMap: fm,
          normalize: n,
        });
        const logDecay = Float32Array.from({ length: 2 * tokens }, () => -3 * Math.random());
        const problem = { ...drawProblem(2, tokens, dim, options), logDecay };
        const expected = referenceGatedAttention(problem, options);
        for (const rowsOutput of c === 64 ? [true, false] : [false]) {
          const factory = createGatedChunkedWith({ rowsOutput });
          const actual = await runFactory(device, factory, problem, options);
          expect(relativeError(actual, expected)).toBeLessThanOrEqual(BOUND);
        }
      },
    );

    // Two or more query blocks per workgroup (the default only from 512 blocks in all, more than
    // these tests run): odd block counts, blocks of one workgroup in two heads, split dispatches.
    it.each([
      [2, 1, 200, 'softplus', true, 0],
      [2, 3, 257, 'identity', false, 0],
      [3, 2, 450, 'elu1', true, 0],
      [2, 2, 700, 'softplus', true, 2.5e6],
    ] as const)(
      'wholeBlocks=%i: linear-chunked and gated-chunked H=%i T=%i %s normalised=%s (split %d)',
      async (wholeBlocks, heads, tokens, fm, n, maxDispatchFlops) => {
        const tuning = {
          wholeBlocks,
          rowsOutput: false,
          ...(maxDispatchFlops ? { maxDispatchFlops } : {}),
        };
        const options = linearOptions('linear-chunked', {
          chunkSize: 64,
          featureMap: fm,
          normalize: n,
        });
        const problem = drawProblem(heads, tokens, 32, options);
        const actual = await runFactory(device, createLinearChunkedWith(tuning), problem, options);
        expect(
          relativeError(actual, referenceLinearAttention(problem, options)),
        ).toBeLessThanOrEqual(BOUND);
        const gatedOptions = linearOptions('gated-chunked', {
          chunkSize: 64,
          featureMap: fm,
          normalize: n,
        });
        const logDecay = Float32Array.from({ length: heads * tokens }, () => -3 * Math.random());
        const gatedProblem = { ...drawProblem(heads, tokens, 32, gatedOptions), logDecay };
        const gated = await runFactory(
          device,
          createGatedChunkedWith(tuning),
          gatedProblem,
          gatedOptions,
        );
        expect(
          relativeError(gated, referenceGatedAttention(gatedProblem, gatedOptions)),
        ).toBeLessThanOrEqual(BOUND);
      },
    );

    // Few chunks per head: the output kernel sums each block's state from the summaries (four
    // chunks' loads at a time, then one by one) and no prefix runs; forced on past the default's
    // reach and off within it, the two paths must agree with the reference, gated or not.
    // Each in both output kernels at c = 64.
    it.each([
      [true, true, 2, 64 * 9 + 5, 64, 'softplus', true],
      [true, false, 2, 64 * 9 + 5, 64, 'softplus', true],
      [true, true, 1, 64 * 20 + 63, 64, 'identity', false],
      [true, false, 1, 64 * 20 + 63, 64, 'identity', false],
      [true, false, 2, 700, 128, 'elu1', true],
      [false, true, 2, 64 * 9 + 5, 64, 'softplus', true],
      [false, false, 2, 64 * 9 + 5, 64, 'softplus', true],
    ] as const)(
      'summedStates=%s rowsOutput=%s: linear-chunked and gated-chunked H=%i T=%i c=%i %s normalised=%s',
      async (summedStates, rowsOutput, heads, tokens, c, fm, n) => {
        const tuning = { summedStates, rowsOutput };
        for (const gated of [false, true]) {
          const options = linearOptions(gated ? 'gated-chunked' : 'linear-chunked', {
            chunkSize: c,
            featureMap: fm,
            normalize: n,
          });
          // Decays near 1 and near 0 alike, so that a wrong weight on a distant chunk shows.
          const logDecay = Float32Array.from({ length: heads * tokens }, (_, i) =>
            i % 3 === 0 ? -3 * Math.random() : -0.01 * Math.random(),
          );
          const problem = {
            ...drawProblem(heads, tokens, 32, options),
            ...(gated ? { logDecay } : {}),
          };
          const counting = countingDevice(device);
          const factory = gated ? createGatedChunkedWith(tuning) : createLinearChunkedWith(tuning);
          const actual = await runFactory(counting.device, factory, problem, options);
          const carries = counting.created.filter((b) => b.label.includes('prefix carry'));
          expect(carries.length).toBe(summedStates ? 0 : 1);
          const expected = gated
            ? referenceGatedAttention(problem, options)
            : referenceLinearAttention(problem, options);
          expect(relativeError(actual, expected)).toBeLessThanOrEqual(BOUND);
        }
      },
    );

    it('sums the states by default up to SUMMED_STATES_MAX_CHUNKS chunks per head, not beyond', async () => {
      const options = linearOptions('linear-chunked', { chunkSize: 64 });
      for (const [chunks, summed] of [
        [SUMMED_STATES_MAX_CHUNKS, true],
        [SUMMED_STATES_MAX_CHUNKS + 1, false],
      ] as const) {
        const problem = drawProblem(1, 64 * chunks, 16, options);
        const counting = countingDevice(device);
        const actual = await runFactory(
          counting.device,
          createLinearChunkedWith(),
          problem,
          options,
        );
        const carries = counting.created.filter((b) => b.label.includes('prefix carry'));
        expect(carries.length).toBe(summed ? 0 : 1);
        expect(
          relativeError(actual, referenceLinearAttention(problem, options)),
        ).toBeLessThanOrEqual(BOUND);
      }
    });

    // The summaries stage two steps of 32 tokens per thread only at d = 64, where SwiftShader's
    // 32 KiB runs the sliced output kernel and so, by default, the pass: force the map into the
    // kernels there (the sliced kernel maps as it stages too).
    it.each([
      ['softplus', true, 64, 200],
      ['elu1', false, 128, 130],
    ] as const)(
      'mapInKernels at d=64: linear-chunked and gated-chunked %s normalised=%s c=%i T=%i',
      async (fm, n, c, tokens) => {
        const tuning = { mapInKernels: true };
        const options = linearOptions('linear-chunked', {
          chunkSize: c,
          featureMap: fm,
          normalize: n,
        });
        const problem = drawProblem(2, tokens, 64, options);
        const counting = countingDevice(device);
        const actual = await runFactory(
          counting.device,
          createLinearChunkedWith(tuning),
          problem,
          options,
        );
        expect(counting.created.filter((b) => b.label.includes('phi('))).toEqual([]);
        expect(
          relativeError(actual, referenceLinearAttention(problem, options)),
        ).toBeLessThanOrEqual(BOUND);
        const gatedOptions = linearOptions('gated-chunked', {
          chunkSize: c,
          featureMap: fm,
          normalize: n,
        });
        const logDecay = Float32Array.from({ length: 2 * tokens }, () => -3 * Math.random());
        const gatedProblem = { ...drawProblem(2, tokens, 64, gatedOptions), logDecay };
        const gated = await runFactory(
          device,
          createGatedChunkedWith(tuning),
          gatedProblem,
          gatedOptions,
        );
        expect(
          relativeError(gated, referenceGatedAttention(gatedProblem, gatedOptions)),
        ).toBeLessThanOrEqual(BOUND);
      },
    );

    it('maps features in its kernels: no phi(q), phi(k) pass or buffers; the sliced kernel keeps the pass', async () => {
      const options = linearOptions('linear-chunked', { chunkSize: 64, featureMap: 'softplus' });
      const problem = drawProblem(2, 200, 32, options);
      const expected = referenceLinearAttention(problem, options);
      const labels = async (factory: ReturnType<typeof createLinearChunkedWith>) => {
        const counting = countingDevice(device);
        const actual = await runFactory(counting.device, factory, problem, options);
        expect(relativeError(actual, expected)).toBeLessThanOrEqual(BOUND);
        return counting.created.map((b) => b.label);
      };
      const whole = await labels(createLinearChunkedWith());
      expect(whole.some((l) => l.includes('chunk states'))).toBe(true);
      expect(whole.filter((l) => l.includes('phi('))).toEqual([]);
      const sliced = await labels(createLinearChunkedWith({ tiles: ATTENTION_TILINGS[2]! }));
      expect(sliced.filter((l) => l.includes('phi(')).length).toBe(2);
    });

    it.each([
      [128, false],
      [64, true],
      [64, false],
    ])(
      'a NaN in a later value reaches no earlier row (d=32, T=200, c=%i, rowsOutput=%s)',
      async (chunkSize, rowsOutput) => {
        const options = linearOptions('linear-chunked', { chunkSize });
        const problem = drawProblem(1, 200, 32, options);
        const poisoned = 150;
        problem.v[poisoned * 32 + 5] = Number.NaN;
        const factory = createLinearChunkedWith({ rowsOutput });
        const actual = await runFactory(device, factory, problem, options);
        const expected = referenceLinearAttention(
          { ...problem, v: problem.v.map((x) => (Number.isNaN(x) ? 0 : x)) },
          options,
        );
        const rows = poisoned * 32;
        expect(
          relativeError(actual.subarray(0, rows), expected.subarray(0, rows)),
        ).toBeLessThanOrEqual(BOUND);
        expect(actual.subarray(rows).some(Number.isNaN)).toBe(true);
      },
    );
  },
);
