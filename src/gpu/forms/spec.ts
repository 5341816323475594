/**
 * What the engine, the benchmark and the widgets know about one attention form, written once per
 * form in its family's folder (forms/<family>/spec.ts) and collected by registry.ts.
 */
import type { AttentionForm } from './ids.ts';
import type { AttentionProblem, AttentionShape, ResolvedOptions } from '../types.ts';
import type { FormFactory } from './form.ts';
import type { CostEstimate } from '../costs.ts';
import { ioBytesPerHead } from '../cost-terms.ts';

/**
 * Forms of one family compute the same function (and share one float64 reference): softmax
 * attention; linear attention with a feature map and an optional normaliser; or gated linear
 * attention, whose state decays by exp(g_t) at every token.
 */
export type FormFamily = 'softmax' | 'linear' | 'gated';

/** The inputs a form reads: q, k and v always; gated forms also the log-decays g_t. */
export type FormInput = 'q' | 'k' | 'v' | 'logDecay';

/** The options of AttentionOptions a form reads; the rest it ignores (and records leave null). */
export type FormOption = 'featureMap' | 'normalize' | 'chunkSize';

/**
 * How a form visits the causal (query, key) pairs, as the mask explorer draws them:
 * 'dense' materialises the whole T x T matrix; 'tiled' computes tiles on and below the diagonal;
 * 'chunked' computes diagonal blocks and hands a state from block to block; 'recurrent' computes no
 * score and hands a state from token to token.
 */
export type FormSchedule = 'dense' | 'tiled' | 'chunked' | 'recurrent';

/** The cost of one head (estimateCost in costs.ts multiplies by the heads). */
export type FormCost = CostEstimate;

/**
 * What a form's cost model reads: the resolved options, `chunkSize` as the kernels take it (a
 * chunked form caps it at T for its FLOPs), and the device's workgroup memory, which decides
 * whether the chunked forms run the feature-map pass (form-costs.ts).
 */
export interface CostOptions extends ResolvedOptions {
  /** The device's maxComputeWorkgroupStorageSize, bytes. */
  workgroupStorageBytes: number;
}

export interface FormSpec {
  id: AttentionForm;
  family: FormFamily;
  /** The name a reader sees in legends and tables. */
  label: string;
  /**
   * Its colour: a CSS variable of site/styles/tokens.css (light and dark themes) and the light
   * theme's value for pages without the tokens.
   */
  color: { token: string; fallback: string };
  /**
   * Whether the article's charts (timing chart, cost explorer) draw it by default: the five forms
   * of the source post's story and gated chunked (the gated family's fast form); a form shown
   * elsewhere only is still measured and validated.
   */
  charted: boolean;
  /**
   * Whether it has a backward pass (src/gpu/backward/): the bench's training steps and the
   * trainer's fast attention use the trainable form of each family.
   */
  trainable: boolean;
  /**
   * Optional WebGPU features it needs (none for most forms); where the device lacks them it is
   * not run, and `unavailable` says why in a sentence.
   */
  requires: readonly string[];
  /** Why this device cannot run it (a sentence), or null. */
  unavailable(device: GPUDevice): string | null;
  /**
   * The largest error `bench --verify` accepts, relative to the largest reference value: 1e-3
   * for float32 forms; an f16-input form states its own (its derived bound is in its folder).
   */
  verifyTolerance: number;
  /** Stroke styles that keep overlapping lines apart in the cost explorer. */
  stroke: { width: number; dash: string };
  /** Inputs it reads (AttentionProblem fields). */
  inputs: readonly FormInput[];
  /** Options it reads. */
  options: readonly FormOption[];
  schedule: FormSchedule;
  /** Creates its GPU kernels for one shape (see form.ts). */
  factory: FormFactory;
  /**
   * Cost model of one head, `shape.heads` ignored. FLOPs count a multiply-add as 2; bytes are
   * those a run must move and hold on a device with `options.workgroupStorageBytes`.
   */
  cost(shape: AttentionShape, options: CostOptions): FormCost;
  /** What the form must output, in float64, [heads][tokens][dim]. */
  reference(problem: AttentionProblem, options: ResolvedOptions): Float64Array;
  /** What its largest intermediate holds, for capacity sentences ("of scores"). */
  intermediates: string;
  /** A sentence added when one head's intermediates do not fit, or ''. */
  capacityAdvice: string;
}

/** What every form of a family reads: its inputs, and its options (chunked forms add chunkSize). */
const FAMILY_READS: Record<FormFamily, { inputs: FormInput[]; options: FormOption[] }> = {
  softmax: { inputs: ['q', 'k', 'v'], options: [] },
  linear: { inputs: ['q', 'k', 'v'], options: ['featureMap', 'normalize'] },
  gated: { inputs: ['q', 'k', 'v', 'logDecay'], options: ['featureMap', 'normalize'] },
};

/** What a form's largest intermediate holds, by how it visits the pairs (capacity sentences). */
const INTERMEDIATES: Record<FormSchedule, string> = {
  dense: 'of scores',
  tiled: 'of intermediates',
  chunked: 'of chunk states',
  recurrent: 'of intermediates',
};

/** What the forms of one family share: the family, its float64 reference. */
export interface FormFamilyBase {
  family: FormFamily;
  reference: FormSpec['reference'];
}

/** What a family's spec.ts writes for one form; `defineForm` derives the rest. */
export interface FormDefinition {
  /** Default true. */
  charted?: boolean;
  /** Default false. */
  trainable?: boolean;
  /** Default none; with `unavailable`, which checks them (default: none missing). */
  requires?: readonly string[];
  unavailable?: (device: GPUDevice) => string | null;
  /** Default 1e-3. */
  verifyTolerance?: number;
  /**
   * How it is drawn: the light theme's value of its colour token `--la-<id>` (FormSpec.color) and
   * its stroke (FormSpec.stroke).
   */
  look: { colour: string; width: number; dash: string };
  schedule: FormSchedule;
  factory: FormFactory;
  cost: FormSpec['cost'];
  /** Default ''. */
  capacityAdvice?: string;
}

/**
 * A form's FormSpec from its family and what is its own: the colour token is `--la-<id>`, the
 * inputs and options are the family's (plus chunkSize for a chunked form), and the capacity wording
 * follows the schedule.
 */
export function defineForm(
  id: AttentionForm,
  label: string,
  base: FormFamilyBase,
  own: FormDefinition,
): FormSpec {
  const reads = FAMILY_READS[base.family];
  return {
    id,
    family: base.family,
    label,
    color: { token: `--la-${id}`, fallback: own.look.colour },
    charted: own.charted ?? true,
    trainable: own.trainable ?? false,
    requires: own.requires ?? [],
    unavailable: own.unavailable ?? (() => null),
    verifyTolerance: own.verifyTolerance ?? 1e-3,
    stroke: { width: own.look.width, dash: own.look.dash },
    inputs: reads.inputs,
    options: own.schedule === 'chunked' ? [...reads.options, 'chunkSize'] : reads.options,
    schedule: own.schedule,
    factory: own.factory,
    cost: own.cost,
    reference: base.reference,
    intermediates: INTERMEDIATES[own.schedule],
    capacityAdvice: own.capacityAdvice ?? '',
  };
}

/** The parts of one head's cost beyond reading its inputs and writing y once. */
export interface HeadCostParts {
  flops: number;
  /** Bytes moved beyond the inputs and output; default 0. */
  moved?: number;
  /** Bytes held beyond the inputs and output; default 0. */
  held?: number;
  /** The largest intermediate of one head; default one T x d float32 array. */
  largest?: number;
  /** The inputs' and output's bytes; default q, k, v and y (ioBytesPerHead). */
  io?: number;
}

/**
 * The sentence a form's `unavailable` gives when `device` lacks some of `features`, or null when it
 * has them all.
 */
export function missingFeatures(
  form: string,
  features: readonly string[],
  device: GPUDevice,
): string | null {
  const missing = features.filter((f) => !device.features.has(f as GPUFeatureName));
  if (missing.length === 0) return null;
  return (
    `${form} needs the WebGPU feature${missing.length > 1 ? 's' : ''} ` +
    `${missing.join(' and ')}, which this GPU (or browser) does not offer.`
  );
}

/** One head's FormCost from its parts (q, k, v in and y out are always moved and held). */
export function headCost(tokens: number, dim: number, parts: HeadCostParts): FormCost {
  const io = parts.io ?? ioBytesPerHead(tokens, dim);
  return {
    flops: parts.flops,
    bytesMoved: io + (parts.moved ?? 0),
    workingBytes: io + (parts.held ?? 0),
    largestPerHeadBytes: parts.largest ?? tokens * dim * 4,
  };
}
