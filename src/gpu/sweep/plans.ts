/**
 * Sweep plans: which points a context-length sweep, a chunk-size search and a decode sweep
 * measure, each point's record fields, cost, capacity verdict and how to create its work (with
 * random inputs). runner.ts runs them.
 */
import { createResidentAttention } from '../attention.ts';
import { capacityReason } from '../capacity.ts';
import { estimateCost } from '../costs.ts';
import { ShapeError } from '../errors.ts';
import { requireDevice, requireObject } from '../guard.ts';
import { ATTENTION_FORMS, formUnavailable, takesOption } from '../forms/registry.ts';
import { createDecodeWork } from '../generation/index.ts';
import type { BenchTask } from '../records.ts';
import {
  CHUNK_SIZES,
  DEFAULT_FEATURE_MAP,
  resolveOptions,
  type AttentionForm,
  type AttentionOptions,
  type AttentionShape,
  type FeatureMap,
} from '../types.ts';
import { logDecayFor, randomInputs } from './inputs.ts';
import { runPlans } from './runner.ts';
import { DEFAULT_SWEEP_TOKENS } from './types.ts';
import type {
  AttentionFactory,
  AttentionSweepOptions,
  ChunkSearchOptions,
  DecodeFactory,
  DecodeSweepOptions,
  PointPlan,
  SweepCommon,
  SweepEvent,
  SweepGpu,
} from './types.ts';

/** Throws a ShapeError unless `gpu` is {device, info}, a DeviceLostError if its device is lost. */
function requireSweepGpu(gpu: SweepGpu, caller: string): void {
  requireObject(gpu, caller, 'a GPU {device, info} (a ready outcome of acquireGpu)');
  requireDevice(gpu.device, caller);
}

const defaultAttentionFactory: AttentionFactory = createResidentAttention;

const defaultDecodeFactory: DecodeFactory = createDecodeWork;

/** Times every form at every context length, context length by context length. */
export async function* sweepAttention(
  gpu: SweepGpu,
  options: AttentionSweepOptions = {},
): AsyncGenerator<SweepEvent> {
  requireSweepGpu(gpu, 'sweepAttention');
  const forms = options.forms ?? ATTENTION_FORMS;
  const tokens = [...(options.tokens ?? DEFAULT_SWEEP_TOKENS)].sort((a, b) => a - b);
  const plans: PointPlan[] = [];
  for (const t of tokens) {
    for (const form of forms) {
      plans.push(
        planAttention(
          gpu,
          options,
          'forward',
          form,
          t,
          options.chunkSizeByForm?.[form] ?? options.chunkSize,
          options.createAttention,
        ),
      );
    }
  }
  yield* runPlans(gpu, plans, options);
}

/** Times a chunked form at one context length for each chunk size. See `pickFastest`. */
export async function* searchChunkSize(
  gpu: SweepGpu,
  options: ChunkSearchOptions,
): AsyncGenerator<SweepEvent> {
  requireSweepGpu(gpu, 'searchChunkSize');
  requireObject(options, 'searchChunkSize', 'options {tokens, ...}');
  const form = options.form ?? 'linear-chunked';
  if (!takesOption(form, 'chunkSize')) {
    throw new ShapeError(`${form} takes no chunk size, so there is none to search.`);
  }
  const plans = (options.chunkSizes ?? CHUNK_SIZES).map((c) =>
    planAttention(gpu, options, 'chunk-search', form, options.tokens, c, options.createAttention),
  );
  yield* runPlans(gpu, plans, options);
}

/** Times one decode step against position, for a KV cache and a recurrent state. */
export async function* sweepDecode(
  gpu: SweepGpu,
  options: DecodeSweepOptions = {},
): AsyncGenerator<SweepEvent> {
  requireSweepGpu(gpu, 'sweepDecode');
  const kinds = options.kinds ?? (['kv-cache', 'state'] as const);
  const positions = [...(options.positions ?? DEFAULT_SWEEP_TOKENS)].sort((a, b) => a - b);
  const heads = options.heads ?? 12;
  const dim = options.dim ?? 64;
  const create = options.createDecode ?? defaultDecodeFactory;
  const plans: PointPlan[] = [];
  for (const position of positions) {
    for (const kind of kinds) {
      const linear = kind !== 'kv-cache';
      const featureMap = options.featureMap ?? DEFAULT_FEATURE_MAP;
      const normalize = options.normalize ?? true;
      plans.push({
        series: `decode/${kind}`,
        tokens: position,
        base: {
          task: 'decode',
          form: kind,
          featureMap: linear ? featureMap : null,
          normalize: linear ? normalize : null,
          heads,
          tokens: position,
          dim,
          chunkSize: null,
        },
        // Known only from the work itself (it carries its cost model's FLOPs).
        flops: Number.NaN,
        capacity: null,
        inputBytes: 0,
        create: async () => create(gpu.device, { kind, heads, dim, position }),
      });
    }
  }
  yield* runPlans(gpu, plans, options);
}

/**
 * The options a point of `form` runs with, from the sweep's common ones: only those the form
 * reads (the rest would be noise in its records), and the same values as the record's fields
 * (null where the form does not read the option).
 */
export function formOptions(
  form: AttentionForm,
  common: Pick<SweepCommon, 'featureMap' | 'normalize'>,
  chunkSize: number | undefined,
): {
  options: AttentionOptions;
  featureMap: FeatureMap | null;
  normalize: boolean | null;
  chunk: number | null;
} {
  const resolved = resolveOptions({
    form,
    featureMap: common.featureMap,
    normalize: common.normalize,
    chunkSize,
  });
  const featureMap = takesOption(form, 'featureMap') ? resolved.featureMap : null;
  const normalize = takesOption(form, 'normalize') ? resolved.normalize : null;
  const chunk = takesOption(form, 'chunkSize') ? resolved.chunkSize : null;
  const options: AttentionOptions = {
    form,
    ...(featureMap === null ? {} : { featureMap }),
    ...(normalize === null ? {} : { normalize }),
    ...(chunk === null ? {} : { chunkSize: chunk }),
  };
  return { options, featureMap, normalize, chunk };
}

function planAttention(
  gpu: SweepGpu,
  common: SweepCommon,
  task: BenchTask,
  form: AttentionForm,
  tokens: number,
  chunkSize: number | undefined,
  factory: AttentionFactory | undefined,
): PointPlan {
  const shape: AttentionShape = {
    heads: common.heads ?? 12,
    tokens,
    dim: common.dim ?? 64,
  };
  const { options, featureMap, normalize, chunk } = formOptions(form, common, chunkSize);
  const cost = estimateCost(form, shape, {
    ...options,
    workgroupStorageBytes: gpu.device.limits.maxComputeWorkgroupStorageSize,
  });
  const create = factory ?? defaultAttentionFactory;
  return {
    series: `${task}/${form}/${chunk ?? ''}`,
    tokens,
    base: {
      task,
      form,
      featureMap,
      normalize,
      heads: shape.heads,
      tokens,
      dim: shape.dim,
      chunkSize: chunk,
    },
    flops: cost.flops,
    // A form this device cannot run (a missing optional feature) is skipped with the reason.
    capacity:
      formUnavailable(form, gpu.device) ??
      capacityReason(cost, gpu.device.limits, common.memoryLimitBytes),
    inputBytes: 3 * shape.heads * shape.tokens * shape.dim * 4,
    create: async () => {
      const resident = await create(gpu.device, shape, options);
      try {
        // Never time on zeros: random inputs first, whatever the factory left in the buffers.
        const n = shape.heads * shape.tokens * shape.dim;
        resident.write(randomInputs(n), randomInputs(n), randomInputs(n), logDecayFor(form, shape));
      } catch (error) {
        resident.destroy();
        throw error;
      }
      return resident;
    },
  };
}
