/**
 * The tiny transformer the trainer trains, and where each of its parameters lives in one flat
 * buffer (the GPU trainer and the float64 reference share this layout, so their gradients compare
 * element by element). Pre-norm blocks (GPT-2's order): x += Attn(LN1(x)); x += MLP(LN2(x)); then a
 * final layer norm and the output projection. A matrix W is [in][out], row-major: y = x W.
 */
import type { FormFamily } from '../forms/spec.ts';
import { FEATURE_MAPS, type FeatureMap } from '../types.ts';
import { SeededRandom } from './random.ts';

/** Every attention family the trainer trains (one materialised op each, see attention.ts). */
export const TRAIN_FORMS: readonly FormFamily[] = ['softmax', 'linear', 'gated'];

export interface TrainConfig {
  /** The attention of every block: softmax, linear (feature map + normaliser) or gated linear. */
  form: FormFamily;
  /** Tokens in the vocabulary. */
  vocab: number;
  /** Width of the residual stream. */
  dModel: number;
  /** Attention heads; dModel must divide by it. */
  heads: number;
  /** Pre-norm blocks. */
  layers: number;
  /** Hidden width of the MLP (default 4 x dModel). */
  mlp: number;
  /** Sequence length T (also the number of learned positions). */
  tokens: number;
  /** Sequences per step. */
  batch: number;
  /** The MLP's non-linearity. */
  activation: 'gelu' | 'relu';
  /** Linear and gated forms: phi, as the engine's linear forms (default 'elu1'). */
  featureMap: FeatureMap;
  /** Linear and gated forms: divide by phi(q_i) . z_i + 1e-6 (default true). */
  normalize: boolean;
}

/** AdamW's settings (Loshchilov and Hutter, 2019; PyTorch's defaults for the betas and eps). */
export interface OptimizerConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const DEFAULT_OPTIMIZER: OptimizerConfig = {
  learningRate: 3e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.1,
};

/** Layer norm's epsilon (PyTorch's default). */
export const LAYER_NORM_EPS = 1e-5;

/** Fills in the defaults of a partial configuration. */
export function resolveTrainConfig(
  partial: Partial<TrainConfig> & Pick<TrainConfig, 'form'>,
): TrainConfig {
  const dModel = partial.dModel ?? 32;
  return {
    form: partial.form,
    vocab: partial.vocab ?? 32,
    dModel,
    heads: partial.heads ?? 2,
    layers: partial.layers ?? 1,
    mlp: partial.mlp ?? 4 * dModel,
    tokens: partial.tokens ?? 32,
    batch: partial.batch ?? 8,
    activation: partial.activation ?? 'gelu',
    featureMap: partial.featureMap ?? 'elu1',
    normalize: partial.normalize ?? true,
  };
}

/** Throws a RangeError naming the first setting that cannot work. */
export function validateTrainConfig(config: TrainConfig): void {
  const positive: (keyof TrainConfig)[] = [
    'vocab',
    'dModel',
    'heads',
    'layers',
    'mlp',
    'tokens',
    'batch',
  ];
  for (const key of positive) {
    const value = config[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new RangeError(`${key} must be a positive integer (got ${String(value)}).`);
    }
  }
  if (!['softmax', 'linear', 'gated'].includes(config.form)) {
    throw new RangeError(`form must be softmax, linear or gated (got ${String(config.form)}).`);
  }
  if (config.dModel % config.heads !== 0) {
    throw new RangeError(
      `dModel (${config.dModel}) must be a multiple of heads (${config.heads}).`,
    );
  }
  if (!FEATURE_MAPS.includes(config.featureMap)) {
    throw new RangeError(`featureMap must be one of ${FEATURE_MAPS.join(', ')}.`);
  }
  if (config.activation !== 'gelu' && config.activation !== 'relu') {
    throw new RangeError(`activation must be gelu or relu (got ${String(config.activation)}).`);
  }
}

/** One parameter tensor's place in the flat buffer. */
export interface ParameterSlot {
  name: string;
  /** [rows, cols] (a vector is [1, n]). */
  shape: [number, number];
  offset: number;
  size: number;
  /** Whether AdamW's weight decay applies (matrices and embeddings; not norms or biases). */
  decay: boolean;
}

/** The names of one block's parameters, in layout order. */
export interface BlockSlots {
  ln1Gain: ParameterSlot;
  ln1Bias: ParameterSlot;
  wq: ParameterSlot;
  wk: ParameterSlot;
  wv: ParameterSlot;
  wo: ParameterSlot;
  /** Gated only: the decay gate's projection [dModel][heads] and bias [heads]. */
  wGate: ParameterSlot | null;
  bGate: ParameterSlot | null;
  ln2Gain: ParameterSlot;
  ln2Bias: ParameterSlot;
  w1: ParameterSlot;
  w2: ParameterSlot;
}

export interface ParameterLayout {
  tokenEmbedding: ParameterSlot;
  positionEmbedding: ParameterSlot;
  blocks: BlockSlots[];
  lnfGain: ParameterSlot;
  lnfBias: ParameterSlot;
  wOut: ParameterSlot;
  /** Every slot in order. */
  slots: ParameterSlot[];
  /** Floats in the flat buffer (slots start on 64-float boundaries: 256 bytes for GPU binding). */
  length: number;
}

/** Storage-buffer binding offsets must be multiples of 256 bytes on every WebGPU device. */
export const SLOT_ALIGN_FLOATS = 64;

type AddSlot = (name: string, rows: number, cols: number, decay: boolean) => ParameterSlot;

/** Slots laid out one after another, each on a SLOT_ALIGN_FLOATS boundary. */
function slotAllocator(): { add: AddSlot; slots: ParameterSlot[]; length: () => number } {
  const slots: ParameterSlot[] = [];
  let offset = 0;
  const add: AddSlot = (name, rows, cols, decay) => {
    const slot: ParameterSlot = { name, shape: [rows, cols], offset, size: rows * cols, decay };
    slots.push(slot);
    offset += Math.ceil(slot.size / SLOT_ALIGN_FLOATS) * SLOT_ALIGN_FLOATS;
    return slot;
  };
  return { add, slots, length: () => offset };
}

/** One block's slots, named block<l>.* (the gate's only for the gated form). */
function addBlock(
  add: AddSlot,
  l: number,
  config: Pick<TrainConfig, 'form' | 'dModel' | 'mlp' | 'heads'>,
): BlockSlots {
  const { dModel: D, mlp: M, heads: H } = config;
  const gated = config.form === 'gated';
  return {
    ln1Gain: add(`block${l}.ln1.gain`, 1, D, false),
    ln1Bias: add(`block${l}.ln1.bias`, 1, D, false),
    wq: add(`block${l}.wq`, D, D, true),
    wk: add(`block${l}.wk`, D, D, true),
    wv: add(`block${l}.wv`, D, D, true),
    wo: add(`block${l}.wo`, D, D, true),
    wGate: gated ? add(`block${l}.gate.weight`, D, H, true) : null,
    bGate: gated ? add(`block${l}.gate.bias`, 1, H, false) : null,
    ln2Gain: add(`block${l}.ln2.gain`, 1, D, false),
    ln2Bias: add(`block${l}.ln2.bias`, 1, D, false),
    w1: add(`block${l}.w1`, D, M, true),
    w2: add(`block${l}.w2`, M, D, true),
  };
}

/** The parameters of one block alone (the one-layer training step, layer.ts). */
export interface BlockLayout {
  block: BlockSlots;
  slots: ParameterSlot[];
  length: number;
}

/** Where each parameter of a single block lives. */
export function layoutBlock(
  config: Pick<TrainConfig, 'form' | 'dModel' | 'mlp' | 'heads'>,
): BlockLayout {
  const { add, slots, length } = slotAllocator();
  const block = addBlock(add, 0, config);
  return { block, slots, length: length() };
}

/** Where each parameter of `config`'s model lives. */
export function layoutParameters(config: TrainConfig): ParameterLayout {
  const { add, slots, length } = slotAllocator();
  const { vocab, dModel: D } = config;
  const tokenEmbedding = add('token-embedding', vocab, D, true);
  const positionEmbedding = add('position-embedding', config.tokens, D, true);
  const blocks: BlockSlots[] = [];
  for (let l = 0; l < config.layers; l++) blocks.push(addBlock(add, l, config));
  const lnfGain = add('final-ln.gain', 1, D, false);
  const lnfBias = add('final-ln.bias', 1, D, false);
  const wOut = add('output', D, vocab, true);
  return {
    tokenEmbedding,
    positionEmbedding,
    blocks,
    lnfGain,
    lnfBias,
    wOut,
    slots,
    length: length(),
  };
}

/**
 * The initial parameters from a seed: matrices N(0, 1/fan_in), the two projections into the
 * residual stream (wo, w2) scaled down by sqrt(2 x layers) as GPT-2 does, embeddings N(0, 1),
 * gains 1, biases 0; the decay gate's bias spreads the heads' initial decays sigmoid(b) over
 * 0.9 to 0.99 (short and long memories, as RetNet spreads its fixed decays).
 */
export function initialParameters(config: TrainConfig, seed: number): Float32Array {
  const layout = layoutParameters(config);
  const params = new Float32Array(layout.length);
  const random = new SeededRandom(seed);
  const fill = (slot: ParameterSlot, std: number): void => {
    for (let i = 0; i < slot.size; i++) params[slot.offset + i] = std * random.normal();
  };
  const constant = (slot: ParameterSlot, value: number): void => {
    params.fill(value, slot.offset, slot.offset + slot.size);
  };
  fill(layout.tokenEmbedding, 1);
  fill(layout.positionEmbedding, 1);
  for (const block of layout.blocks) initialiseBlock(params, block, config, random);
  constant(layout.lnfGain, 1);
  constant(layout.lnfBias, 0);
  fill(layout.wOut, 1 / Math.sqrt(config.dModel));
  return params;
}

/** A block's initial parameters, as initialParameters describes, written into `params`. */
export function initialiseBlock(
  params: Float32Array,
  block: BlockSlots,
  config: Pick<TrainConfig, 'dModel' | 'mlp' | 'heads' | 'layers'>,
  random: SeededRandom,
): void {
  const fill = (slot: ParameterSlot, std: number): void => {
    for (let i = 0; i < slot.size; i++) params[slot.offset + i] = std * random.normal();
  };
  const constant = (slot: ParameterSlot, value: number): void => {
    params.fill(value, slot.offset, slot.offset + slot.size);
  };
  const residualScale = 1 / Math.sqrt(2 * config.layers);
  constant(block.ln1Gain, 1);
  constant(block.ln1Bias, 0);
  for (const w of [block.wq, block.wk, block.wv]) fill(w, 1 / Math.sqrt(config.dModel));
  fill(block.wo, residualScale / Math.sqrt(config.dModel));
  if (block.wGate && block.bGate) {
    fill(block.wGate, 1 / Math.sqrt(config.dModel));
    for (let h = 0; h < config.heads; h++) {
      const decay = config.heads === 1 ? 0.95 : 0.9 + (0.09 * h) / (config.heads - 1);
      params[block.bGate.offset + h] = Math.log(decay / (1 - decay));
    }
  }
  constant(block.ln2Gain, 1);
  constant(block.ln2Bias, 0);
  fill(block.w1, 1 / Math.sqrt(config.dModel));
  fill(block.w2, residualScale / Math.sqrt(config.mlp));
}

/** A per-element weight-decay mask (1 where AdamW decays), in the flat layout. */
export function decayMask(layout: ParameterLayout): Float32Array {
  const mask = new Float32Array(layout.length);
  for (const slot of layout.slots)
    if (slot.decay) mask.fill(1, slot.offset, slot.offset + slot.size);
  return mask;
}
