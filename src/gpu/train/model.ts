/**
 * The GPU trainer: the tiny model of config.ts trained with AdamW, every op a WGSL kernel
 * (src/gpu/kernels/train/), all on one device, in the page, a worker or Node alike. Built once for
 * a configuration (all buffers, pipelines and bind groups made up front); a step uploads the
 * batch, encodes forward, backward and the optimizer, and reads back the loss. Its float64 twin is
 * reference.ts; tests/gpu/train-model.test.ts compares every parameter's gradient.
 */
import { requireDevice } from '../guard.ts';
import {
  DEFAULT_OPTIMIZER,
  decayMask,
  initialParameters,
  layoutParameters,
  validateTrainConfig,
  type OptimizerConfig,
  type ParameterLayout,
  type ParameterSlot,
  type TrainConfig,
} from './config.ts';
import { createMaterialisedAttention, type TrainAttentionFactory } from './attention.ts';
import { blockWeightShapes, buildBlock, createBlockScratch, TrainGraph } from './block.ts';
import { encodeOps, packUniform, type TrainOp } from './kernels.ts';

/** One batch: token ids and next-token targets, [batch][tokens]; a target of -1 is not scored. */
export interface TrainBatch {
  tokens: Int32Array;
  targets: Int32Array;
}

/** What a step (or an evaluation) measured on its batch, before the update. */
export interface StepMetrics {
  /** Mean cross-entropy over the scored positions, in nats. */
  loss: number;
  /** Scored positions whose arg-max prediction is the target. */
  correct: number;
  /** Positions scored. */
  scored: number;
}

export interface TrainerOptions {
  /** Seeds the initial parameters (config.ts initialParameters). */
  seed: number;
  /** AdamW's settings; DEFAULT_OPTIMIZER fills the rest. */
  optimizer?: Partial<OptimizerConfig>;
  /** Starting parameters in the flat layout instead of the seeded ones. */
  parameters?: Float32Array;
  /** The attention op (default: materialised weights). */
  attention?: TrainAttentionFactory;
}

/** Throws a RangeError naming the first token or target outside the vocabulary. */
export function validateBatch(config: TrainConfig, batch: TrainBatch): void {
  const n = config.batch * config.tokens;
  if (batch.tokens.length !== n || batch.targets.length !== n) {
    throw new RangeError(
      `A batch needs ${n} tokens and targets (batch ${config.batch} x tokens ${config.tokens}); ` +
        `got ${batch.tokens.length} and ${batch.targets.length}.`,
    );
  }
  for (let i = 0; i < n; i++) {
    const token = batch.tokens[i]!;
    if (token < 0 || token >= config.vocab) {
      throw new RangeError(
        `Token ${i} is ${token}, outside the vocabulary 0..${config.vocab - 1}.`,
      );
    }
    const target = batch.targets[i]!;
    if (target < -1 || target >= config.vocab) {
      throw new RangeError(
        `Target ${i} is ${target}; targets are -1 (not scored) or 0..${config.vocab - 1}.`,
      );
    }
  }
}

/** The tiny transformer on the GPU, ready to train. */
export class GpuTrainer {
  readonly config: TrainConfig;
  readonly layout: ParameterLayout;
  readonly optimizer: OptimizerConfig;
  /** Optimizer steps taken. */
  stepsTaken = 0;
  /** Bytes of GPU memory held. */
  readonly bytes: number;

  private readonly device: GPUDevice;
  private readonly graph: TrainGraph;
  private readonly ownBuffers: GPUBuffer[];
  private readonly forwardOps: TrainOp[];
  private readonly backwardOps: TrainOp[];
  private readonly optimizerOps: TrainOp[] = [];
  private readonly params: GPUBuffer;
  private readonly grads: GPUBuffer;
  private readonly tokenIds: GPUBuffer;
  private readonly targetIds: GPUBuffer;
  private readonly rowLoss: GPUBuffer;
  private readonly rowCorrect: GPUBuffer;
  private readonly lossUniform: GPUBuffer;
  private readonly adamUniform: GPUBuffer;
  private readonly staging: GPUBuffer;
  private destroyed = false;

  constructor(device: GPUDevice, config: TrainConfig, options: TrainerOptions) {
    requireDevice(device, 'GpuTrainer');
    validateTrainConfig(config);
    this.device = device;
    this.config = config;
    this.layout = layoutParameters(config);
    this.optimizer = { ...DEFAULT_OPTIMIZER, ...options.optimizer };
    const { batch: B, tokens: T, dModel: D, vocab: V } = config;
    const rows = B * T;
    const label = `train/${config.form} L=${config.layers} D=${D} H=${config.heads} T=${T} B=${B}`;
    const factory = options.attention ?? createMaterialisedAttention;
    const largest = 4 * Math.max(rows * Math.max(D, config.mlp, V), this.layout.length);
    if (largest > device.limits.maxStorageBufferBindingSize) {
      throw new RangeError(
        `This model needs a ${largest.toLocaleString('en-US')}-byte buffer; this GPU allows ` +
          `${device.limits.maxStorageBufferBindingSize.toLocaleString('en-US')} bytes per buffer. ` +
          'Use fewer sequences per batch or shorter ones.',
      );
    }
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const P = this.layout.length;
    // Parameters and gradients first: the graph binds slices of both.
    const params = device.createBuffer({
      label: `${label} parameters`,
      size: 4 * P,
      usage: storage,
    });
    const grads = device.createBuffer({ label: `${label} gradients`, size: 4 * P, usage: storage });
    const graph = new TrainGraph(device, config, label, params, grads, [
      ...blockWeightShapes(config),
      [D, V],
    ]);
    this.graph = graph;
    this.ownBuffers = [params, grads];
    this.params = params;
    this.grads = grads;
    const make = (name: string, floats: number, usage?: number): GPUBuffer =>
      graph.make(name, floats, usage);

    // AdamW's moments share the flat layout.
    const moment1 = make('adam m', P);
    const moment2 = make('adam v', P);
    const decay = make('weight-decay mask', P);
    const initial = options.parameters ?? initialParameters(config, options.seed);
    if (initial.length !== P) {
      this.destroy();
      throw new RangeError(`parameters must hold ${P} floats (got ${initial.length}).`);
    }
    device.queue.writeBuffer(this.params, 0, initial);
    device.queue.writeBuffer(decay, 0, decayMask(this.layout));
    const p = (s: ParameterSlot): GPUBufferBinding => graph.p(s);
    const g = (s: ParameterSlot): GPUBufferBinding => graph.g(s);

    this.tokenIds = make('token ids', rows);
    this.targetIds = make('targets', rows);
    this.rowLoss = make('row losses', rows);
    this.rowCorrect = make('row hits', rows);
    this.staging = make('readback', 2 * rows, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    const fwd = graph.forward;
    const bwd = graph.backward;
    const scratch = createBlockScratch(graph);
    const dLogits = make('d logits', rows * V);
    const dNorm = scratch.dNorm;

    // Forward.
    let x = make('embedded', rows * D);
    graph.run(fwd, {
      kernel: 'embed',
      label: 'tokens',
      uniform: packUniform([rows, T, D]),
      buffers: [this.tokenIds, p(this.layout.tokenEmbedding), p(this.layout.positionEmbedding), x],
      items: rows * D,
    });
    let blocks;
    try {
      blocks = this.layout.blocks.map((block, l) => {
        const built = buildBlock(graph, scratch, block, x, `block${l}`, factory);
        x = built.out;
        return built;
      });
    } catch (error) {
      this.destroy();
      throw error;
    }
    const lnf = graph.layerNorm('final ln', x, this.layout.lnfGain, this.layout.lnfBias);
    const logits = make('logits', rows * V);
    graph.matmul(fwd, 'output', lnf.y, p(this.layout.wOut), logits, rows, D, V);
    this.lossUniform = graph.run(fwd, {
      kernel: 'cross-entropy',
      label: 'loss',
      uniform: packUniform([rows, V, 0], [2]),
      buffers: [logits, this.targetIds, dLogits, this.rowLoss, this.rowCorrect],
      items: rows,
    });

    // Backward, from the logits down.
    graph.weightGradient('d output weight', lnf.y, dLogits, g(this.layout.wOut), D, V);
    graph.matmul(bwd, 'd final ln out', dLogits, p(this.layout.wOut), dNorm, rows, V, D, {
      transposeB: true,
    });
    bwd.push({ kind: 'clear', buffer: scratch.dxA });
    graph.layerNormBackward('final ln', lnf, dNorm, scratch.dxA);
    for (let l = blocks.length - 1; l >= 0; l--) blocks[l]!.backward();
    graph.run(bwd, {
      kernel: 'embed-backward',
      label: 'embeddings',
      uniform: packUniform([rows, T, D, V]),
      buffers: [
        this.tokenIds,
        scratch.dxA,
        g(this.layout.tokenEmbedding),
        g(this.layout.positionEmbedding),
      ],
      items: (V + T) * D,
    });
    this.forwardOps = fwd;
    this.backwardOps = bwd;

    this.adamUniform = graph.run(this.optimizerOps, {
      kernel: 'adamw',
      label: 'step',
      uniform: packUniform([P, 0, 0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7]),
      buffers: [this.params, this.grads, moment1, moment2, decay],
      items: P,
    });
    this.bytes = graph.bytes + params.size + grads.size;
  }

  private upload(batch: TrainBatch): number {
    if (this.destroyed) throw new Error('This trainer has been destroyed.');
    validateBatch(this.config, batch);
    let scored = 0;
    for (const t of batch.targets) if (t >= 0) scored++;
    if (scored === 0) throw new RangeError('A batch needs at least one scored target (>= 0).');
    this.device.queue.writeBuffer(this.tokenIds, 0, batch.tokens);
    this.device.queue.writeBuffer(this.targetIds, 0, batch.targets);
    const rows = this.config.batch * this.config.tokens;
    this.device.queue.writeBuffer(
      this.lossUniform,
      0,
      packUniform([rows, this.config.vocab, 1 / scored], [2]),
    );
    return scored;
  }

  private async runAndMeasure(ops: readonly TrainOp[], scored: number): Promise<StepMetrics> {
    const rows = this.config.batch * this.config.tokens;
    const encoder = this.device.createCommandEncoder({ label: 'train step' });
    encodeOps(encoder, ops, 'train step');
    encoder.copyBufferToBuffer(this.rowLoss, 0, this.staging, 0, 4 * rows);
    encoder.copyBufferToBuffer(this.rowCorrect, 0, this.staging, 4 * rows, 4 * rows);
    this.device.queue.submit([encoder.finish()]);
    await this.staging.mapAsync(GPUMapMode.READ, 0, 8 * rows);
    const values = new Float32Array(this.staging.getMappedRange(0, 8 * rows).slice(0));
    this.staging.unmap();
    let loss = 0;
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      loss += values[r]!;
      correct += values[rows + r]!;
    }
    return { loss: loss / scored, correct: Math.round(correct), scored };
  }

  /**
   * One training step on `batch`: forward, backward and AdamW (at `learningRate` if given, else the
   * optimizer's). Returns the batch's loss and hits before the update.
   */
  async step(batch: TrainBatch, learningRate = this.optimizer.learningRate): Promise<StepMetrics> {
    const scored = this.upload(batch);
    this.stepsTaken += 1;
    const { beta1, beta2, eps, weightDecay } = this.optimizer;
    const t = this.stepsTaken;
    this.device.queue.writeBuffer(
      this.adamUniform,
      0,
      packUniform(
        [
          this.layout.length,
          learningRate,
          beta1,
          beta2,
          eps,
          weightDecay,
          1 - beta1 ** t,
          1 - beta2 ** t,
        ],
        [1, 2, 3, 4, 5, 6, 7],
      ),
    );
    return this.runAndMeasure(
      [...this.forwardOps, ...this.backwardOps, ...this.optimizerOps],
      scored,
    );
  }

  /** Loss and hits on `batch` without changing anything. */
  async evaluate(batch: TrainBatch): Promise<StepMetrics> {
    return this.runAndMeasure(this.forwardOps, this.upload(batch));
  }

  /** Forward and backward on `batch`, no update: its metrics and every parameter's gradient. */
  async gradients(batch: TrainBatch): Promise<{ metrics: StepMetrics; gradients: Float32Array }> {
    const scored = this.upload(batch);
    // Poison every slot (NaN) so a gradient the backward pass forgets to write shows; the gaps
    // between slots stay zero (no kernel reads or writes them).
    const poison = new Float32Array(this.layout.length);
    for (const s of this.layout.slots) poison.fill(Number.NaN, s.offset, s.offset + s.size);
    this.device.queue.writeBuffer(this.grads, 0, poison);
    const metrics = await this.runAndMeasure([...this.forwardOps, ...this.backwardOps], scored);
    const gradients = await this.readBuffer(this.grads);
    return { metrics, gradients };
  }

  /** The current parameters, in the flat layout. */
  async readParameters(): Promise<Float32Array> {
    return this.readBuffer(this.params);
  }

  private async readBuffer(buffer: GPUBuffer): Promise<Float32Array> {
    const staging = this.device.createBuffer({
      label: `${buffer.label} readback`,
      size: buffer.size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      return new Float32Array(staging.getMappedRange().slice(0), 0, this.layout.length);
    } finally {
      staging.destroy();
    }
  }

  /** Frees every GPU buffer. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.graph.destroy();
    for (const b of this.ownBuffers) b.destroy();
  }
}
