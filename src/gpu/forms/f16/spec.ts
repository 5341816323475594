/**
 * Forms with f16 inputs: the same functions as their float32 families (and the same float64
 * reference), computed from inputs rounded to f16 with f32 accumulation, on optional WebGPU
 * features. Their error bound is derived in accuracy.ts.
 */
import { causalPairs } from '../../cost-terms.ts';
import { defineForm, headCost, type FormFamilyBase } from '../spec.ts';
import { chunkedKernelParts } from '../form-costs.ts';
import { referenceSoftmaxAttention } from '../softmax/reference.ts';
import { referenceLinearAttention } from '../linear/reference.ts';
import { createLinearChunkedF16, linearF16Unsupported } from './linear-f16.ts';
import {
  createSoftmaxFlashF16,
  createSoftmaxFlashF16Mma,
  f16MmaUnsupported,
  f16PlainUnsupported,
  MMA_FEATURES,
} from './flash-f16.ts';

const SOFTMAX: FormFamilyBase = {
  family: 'softmax',
  reference: (problem) => referenceSoftmaxAttention(problem),
};

export const softmaxFlashF16Mma = defineForm(
  'softmax-flash-f16-mma',
  'Softmax, tiled, f16 inputs on matrix units',
  SOFTMAX,
  {
    // Not drawn by default: readers' browsers do not offer subgroup matrices yet.
    charted: false,
    look: { colour: '#a0522d', width: 3, dash: '2 2' },
    schedule: 'tiled',
    factory: createSoftmaxFlashF16Mma,
    cost: ({ tokens: T, dim: d }) =>
      headCost(T, d, { flops: 4 * d * causalPairs(T), held: T * 2 * 4 }),
    requires: MMA_FEATURES,
    unavailable: f16MmaUnsupported,
    // f16 inputs: a few 1e-4 of the largest output on random inputs (T = 200, d = 64); the
    // elementwise bound of accuracy.ts is the real check (f16-probe, tests/gpu/softmax-f16.test.ts).
    verifyTolerance: 5e-3,
  },
);

export const softmaxFlashF16 = defineForm(
  'softmax-flash-f16',
  'Softmax, tiled, f16 inputs',
  SOFTMAX,
  {
    // The same kernel as softmax-flash-f16-mma with its 16 x 16 products shared out among the
    // invocations in plain WGSL: what a browser with shader-f16 but no subgroup matrices runs.
    charted: false,
    look: { colour: '#cd853f', width: 3, dash: '4 2' },
    schedule: 'tiled',
    factory: createSoftmaxFlashF16,
    cost: ({ tokens: T, dim: d }) =>
      headCost(T, d, { flops: 4 * d * causalPairs(T), held: T * 2 * 4 }),
    requires: ['shader-f16'],
    unavailable: f16PlainUnsupported,
    verifyTolerance: 5e-3,
  },
);

const LINEAR: FormFamilyBase = { family: 'linear', reference: referenceLinearAttention };

export const linearChunkedF16 = defineForm(
  'linear-chunked-f16',
  'Linear, chunked form, f16 inputs',
  LINEAR,
  {
    // Not drawn by default: shader-f16 depends on the reader's browser and GPU.
    charted: false,
    look: { colour: '#8e7cc3', width: 3, dash: '4 2' },
    schedule: 'chunked',
    factory: createLinearChunkedF16,
    // linear-chunked's kernels; its own pass, whichever output kernel runs, writes phi(Q), phi(K),
    // V in f16 and the kernels read them (6 bytes per element each way) instead of the f32
    // inputs. No f32 phi(q), phi(k): linear-chunked's feature-map pass never runs here.
    cost: ({ tokens: T, dim: d }, options) => {
      const kernels = chunkedKernelParts(T, d, options.chunkSize);
      const copies = 3 * T * d * 2;
      return headCost(T, d, {
        ...kernels,
        moved: kernels.moved + 2 * copies,
        held: kernels.held + copies,
      });
    },
    requires: ['shader-f16'],
    unavailable: linearF16Unsupported,
    // Random inputs: about 1e-3 of the largest output (tests/gpu/linear-f16.test.ts); the
    // elementwise bound of accuracy.ts (checkF16Linear) is the real check.
    verifyTolerance: 5e-3,
  },
);
