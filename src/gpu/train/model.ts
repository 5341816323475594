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
  LAYER_NORM_EPS,
  layoutParameters,
  validateTrainConfig,
  type OptimizerConfig,
  type ParameterLayout,
  type ParameterSlot,
  type TrainConfig,
} from './config.ts';
import {
  createMaterialisedAttention,
  type TrainAttention,
  type TrainAttentionFactory,
} from './attention.ts';
import {
  encodeOps,
  KernelBuilder,
  packUniform,
  WEIGHT_GRADIENT_SPLIT,
  type KernelCall,
  type TrainOp,
} from './kernels.ts';

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

/** Read at use: in Node the WebGPU globals exist only once Dawn has loaded. */
const storageUsage = (): number =>
  GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

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
  private readonly buffers: GPUBuffer[] = [];
  private readonly kernels: KernelBuilder;
  private readonly attentions: TrainAttention[] = [];
  private readonly forwardOps: TrainOp[] = [];
  private readonly backwardOps: TrainOp[] = [];
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
    const { batch: B, tokens: T, dModel: D, heads: H, mlp: M, vocab: V } = config;
    const rows = B * T;
    const label = `train/${config.form} L=${config.layers} D=${D} H=${H} T=${T} B=${B}`;
    this.kernels = new KernelBuilder(device, label);
    const pairs = B * H * T * T;
    const largest = 4 * Math.max(pairs, rows * Math.max(D, M, V), this.layout.length);
    if (largest > device.limits.maxStorageBufferBindingSize) {
      throw new RangeError(
        `This model needs a ${largest.toLocaleString('en-US')}-byte buffer; this GPU allows ` +
          `${device.limits.maxStorageBufferBindingSize.toLocaleString('en-US')} bytes per buffer. ` +
          'Use fewer sequences per batch or shorter ones.',
      );
    }
    const make = (name: string, floats: number, usage = storageUsage()): GPUBuffer => {
      const buffer = device.createBuffer({
        label: `${label} ${name}`,
        size: 4 * Math.max(4, floats),
        usage,
      });
      this.buffers.push(buffer);
      return buffer;
    };

    // Parameters, gradients and AdamW's moments share the flat layout.
    const P = this.layout.length;
    this.params = make('parameters', P);
    this.grads = make('gradients', P);
    const moment1 = make('adam m', P);
    const moment2 = make('adam v', P);
    const decay = make('weight-decay mask', P);
    const initial = options.parameters ?? initialParameters(config, options.seed);
    if (initial.length !== P) {
      throw new RangeError(`parameters must hold ${P} floats (got ${initial.length}).`);
    }
    device.queue.writeBuffer(this.params, 0, initial);
    device.queue.writeBuffer(decay, 0, decayMask(this.layout));
    const slot = (buffer: GPUBuffer, s: ParameterSlot): GPUBufferBinding => ({
      buffer,
      offset: 4 * s.offset,
      size: 4 * s.size,
    });
    const p = (s: ParameterSlot): GPUBufferBinding => slot(this.params, s);
    const g = (s: ParameterSlot): GPUBufferBinding => slot(this.grads, s);

    this.tokenIds = make('token ids', rows);
    this.targetIds = make('targets', rows);
    this.rowLoss = make('row losses', rows);
    this.rowCorrect = make('row hits', rows);
    this.staging = make('readback', 2 * rows, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);

    const run = (ops: TrainOp[], call: KernelCall): GPUBuffer => {
      const made = this.kernels.dispatch(call);
      ops.push(made.op);
      return made.uniform;
    };
    const fwd = this.forwardOps;
    const bwd = this.backwardOps;
    /** C = op(A) op(B) (+ C): [m][n] from [m][k] and [k][n]. */
    const matmul = (
      ops: TrainOp[],
      name: string,
      a: GPUBuffer | GPUBufferBinding,
      b: GPUBuffer | GPUBufferBinding,
      c: GPUBuffer | GPUBufferBinding,
      m: number,
      k: number,
      n: number,
      flags: { transposeA?: boolean; transposeB?: boolean; accumulate?: boolean } = {},
    ): void => {
      run(ops, {
        kernel: 'matmul',
        label: name,
        constants: {
          TRANSPOSE_A: flags.transposeA ? 1 : 0,
          TRANSPOSE_B: flags.transposeB ? 1 : 0,
          ACCUMULATE: flags.accumulate ? 1 : 0,
        },
        uniform: packUniform([m, k, n]),
        buffers: [a, b, c],
        items: m * n,
      });
    };
    const splits = Math.ceil(rows / WEIGHT_GRADIENT_SPLIT);
    const partials = make('weight-gradient partial sums', splits * D * Math.max(D, M, V));
    /** dW [m][n] = A^T dC over the rows, split along the rows (train-matmul-split.wgsl). */
    const weightGradient = (
      name: string,
      a: GPUBuffer,
      dc: GPUBuffer,
      dW: GPUBufferBinding,
      m: number,
      n: number,
    ): void => {
      run(bwd, {
        kernel: 'matmul-split',
        label: name,
        constants: { SPLIT: WEIGHT_GRADIENT_SPLIT },
        uniform: packUniform([m, rows, n]),
        buffers: [a, dc, partials],
        items: splits * m * n,
      });
      run(bwd, {
        kernel: 'column-sum',
        label: `${name} (splits)`,
        uniform: packUniform([splits, m * n]),
        buffers: [partials, dW],
        items: m * n,
      });
    };
    interface Norm {
      y: GPUBuffer;
      xhat: GPUBuffer;
      rstd: GPUBuffer;
      gain: ParameterSlot;
      bias: ParameterSlot;
    }
    const layerNorm = (
      name: string,
      x: GPUBuffer,
      gain: ParameterSlot,
      bias: ParameterSlot,
    ): Norm => {
      const norm: Norm = {
        y: make(`${name} out`, rows * D),
        xhat: make(`${name} xhat`, rows * D),
        rstd: make(`${name} rstd`, rows),
        gain,
        bias,
      };
      run(fwd, {
        kernel: 'layer-norm',
        label: name,
        constants: { LN_EPS: LAYER_NORM_EPS },
        uniform: packUniform([rows, D]),
        buffers: [x, p(gain), p(bias), norm.y, norm.xhat, norm.rstd],
        items: rows,
      });
      return norm;
    };
    // Backward scratch, shared by every block (blocks run backward one after another).
    const dLogits = make('d logits', rows * V);
    const dxA = make('d residual', rows * D);
    const dxB = make('d residual (block middle)', rows * D);
    const dNorm = make('d norm out', rows * D);
    const dyXhat = make('d gain terms', rows * D);
    const dAct = make('d mlp act', rows * M);
    const dPre = make('d mlp pre', rows * M);
    const dAttY = make('d attention out', rows * D);
    const dq = make('dq', rows * D);
    const dk = make('dk', rows * D);
    const dv = make('dv', rows * D);
    const gated = config.form === 'gated';
    const dLogDecay = gated ? make('d log-decays', rows * H) : null;
    const dGatePre = gated ? make('d gate pre', rows * H) : null;
    /** dx += LN backward of dNorm; the gain's and bias's gradients into their slots. */
    const layerNormBackward = (name: string, norm: Norm, dOut: GPUBuffer, dx: GPUBuffer): void => {
      run(bwd, {
        kernel: 'layer-norm-backward',
        label: name,
        uniform: packUniform([rows, D]),
        buffers: [dOut, p(norm.gain), norm.xhat, norm.rstd, dx, dyXhat],
        items: rows,
      });
      run(bwd, {
        kernel: 'column-sum',
        label: `${name} gain`,
        uniform: packUniform([rows, D]),
        buffers: [dyXhat, g(norm.gain)],
        items: D,
      });
      run(bwd, {
        kernel: 'column-sum',
        label: `${name} bias`,
        uniform: packUniform([rows, D]),
        buffers: [dOut, g(norm.bias)],
        items: D,
      });
    };

    // Forward.
    let x = make('embedded', rows * D);
    run(fwd, {
      kernel: 'embed',
      label: 'tokens',
      uniform: packUniform([rows, T, D]),
      buffers: [this.tokenIds, p(this.layout.tokenEmbedding), p(this.layout.positionEmbedding), x],
      items: rows * D,
    });
    const factory = options.attention ?? createMaterialisedAttention;
    interface BlockState {
      x: GPUBuffer;
      ln1: Norm;
      attY: GPUBuffer;
      gatePre: GPUBuffer | null;
      ln2: Norm;
      pre: GPUBuffer;
      act: GPUBuffer;
      attention: TrainAttention;
      q: GPUBuffer;
      k: GPUBuffer;
      v: GPUBuffer;
    }
    const states: BlockState[] = [];
    this.layout.blocks.forEach((block, l) => {
      const name = `block${l}`;
      const ln1 = layerNorm(`${name} ln1`, x, block.ln1Gain, block.ln1Bias);
      const q = make(`${name} q`, rows * D);
      const k = make(`${name} k`, rows * D);
      const v = make(`${name} v`, rows * D);
      matmul(fwd, `${name} q`, ln1.y, p(block.wq), q, rows, D, D);
      matmul(fwd, `${name} k`, ln1.y, p(block.wk), k, rows, D, D);
      matmul(fwd, `${name} v`, ln1.y, p(block.wv), v, rows, D, D);
      let gatePre: GPUBuffer | null = null;
      let logDecay: GPUBuffer | null = null;
      if (block.wGate && block.bGate) {
        gatePre = make(`${name} gate pre`, rows * H);
        logDecay = make(`${name} log-decays`, rows * H);
        matmul(fwd, `${name} gate`, ln1.y, p(block.wGate), gatePre, rows, D, H);
        run(fwd, {
          kernel: 'gate',
          label: name,
          uniform: packUniform([rows, H]),
          buffers: [gatePre, p(block.bGate), logDecay],
          items: rows * H,
        });
      }
      const attY = make(`${name} attention out`, rows * D);
      const attention = factory(
        device,
        { batch: B, tokens: T, heads: H, headDim: D / H },
        config,
        { q, k, v, logDecay, y: attY, dy: dAttY, dq, dk, dv, dLogDecay },
        `${name} attention`,
      );
      this.attentions.push(attention);
      fwd.push(...attention.forward);
      // x1 = x + attY wo.
      const x1 = make(`${name} mid`, rows * D);
      fwd.push({ kind: 'copy', source: x, target: x1, bytes: 4 * rows * D });
      matmul(fwd, `${name} wo`, attY, p(block.wo), x1, rows, D, D, { accumulate: true });
      const ln2 = layerNorm(`${name} ln2`, x1, block.ln2Gain, block.ln2Bias);
      const pre = make(`${name} mlp pre`, rows * M);
      const act = make(`${name} mlp act`, rows * M);
      matmul(fwd, `${name} w1`, ln2.y, p(block.w1), pre, rows, D, M);
      run(fwd, {
        kernel: 'activation',
        label: name,
        constants: { ACTIVATION: config.activation === 'relu' ? 1 : 0 },
        uniform: packUniform([rows * M]),
        buffers: [pre, act],
        items: rows * M,
      });
      const x2 = make(`${name} out`, rows * D);
      fwd.push({ kind: 'copy', source: x1, target: x2, bytes: 4 * rows * D });
      matmul(fwd, `${name} w2`, act, p(block.w2), x2, rows, M, D, { accumulate: true });
      states.push({ x, ln1, attY, gatePre, ln2, pre, act, attention, q, k, v });
      x = x2;
    });
    const lnf = layerNorm('final ln', x, this.layout.lnfGain, this.layout.lnfBias);
    const logits = make('logits', rows * V);
    matmul(fwd, 'output', lnf.y, p(this.layout.wOut), logits, rows, D, V);
    this.lossUniform = run(fwd, {
      kernel: 'cross-entropy',
      label: 'loss',
      uniform: packUniform([rows, V, 0], [2]),
      buffers: [logits, this.targetIds, dLogits, this.rowLoss, this.rowCorrect],
      items: rows,
    });

    // Backward, from the logits down.
    weightGradient('d output weight', lnf.y, dLogits, g(this.layout.wOut), D, V);
    matmul(bwd, 'd final ln out', dLogits, p(this.layout.wOut), dNorm, rows, V, D, {
      transposeB: true,
    });
    bwd.push({ kind: 'clear', buffer: dxA });
    layerNormBackward('final ln', lnf, dNorm, dxA);
    for (let l = this.layout.blocks.length - 1; l >= 0; l--) {
      const block = this.layout.blocks[l]!;
      const s = states[l]!;
      const name = `block${l}`;
      // x2 = x1 + act(ln2(x1) w1) w2; dxA holds dx2.
      weightGradient(`${name} d w2`, s.act, dxA, g(block.w2), M, D);
      matmul(bwd, `${name} d act`, dxA, p(block.w2), dAct, rows, D, M, { transposeB: true });
      run(bwd, {
        kernel: 'activation-backward',
        label: name,
        constants: { ACTIVATION: config.activation === 'relu' ? 1 : 0 },
        uniform: packUniform([rows * M]),
        buffers: [dAct, s.pre, dPre],
        items: rows * M,
      });
      weightGradient(`${name} d w1`, s.ln2.y, dPre, g(block.w1), D, M);
      matmul(bwd, `${name} d ln2 out`, dPre, p(block.w1), dNorm, rows, M, D, { transposeB: true });
      bwd.push({ kind: 'copy', source: dxA, target: dxB, bytes: 4 * rows * D });
      layerNormBackward(`${name} ln2`, s.ln2, dNorm, dxB);
      // x1 = x + attention(ln1(x)) wo; dxB holds dx1.
      weightGradient(`${name} d wo`, s.attY, dxB, g(block.wo), D, D);
      matmul(bwd, `${name} d attention out`, dxB, p(block.wo), dAttY, rows, D, D, {
        transposeB: true,
      });
      bwd.push(...s.attention.backward);
      const projections: [ParameterSlot, GPUBuffer][] = [
        [block.wq, dq],
        [block.wk, dk],
        [block.wv, dv],
      ];
      projections.forEach(([w, dOut], i) => {
        weightGradient(`${name} d ${w.name}`, s.ln1.y, dOut, g(w), D, D);
        matmul(bwd, `${name} d ln1 out (${w.name})`, dOut, p(w), dNorm, rows, D, D, {
          transposeB: true,
          accumulate: i > 0,
        });
      });
      if (block.wGate && block.bGate && s.gatePre && dLogDecay && dGatePre) {
        run(bwd, {
          kernel: 'gate-backward',
          label: name,
          uniform: packUniform([rows, H]),
          buffers: [dLogDecay, s.gatePre, p(block.bGate), dGatePre],
          items: rows * H,
        });
        weightGradient(`${name} d gate weight`, s.ln1.y, dGatePre, g(block.wGate), D, H);
        matmul(bwd, `${name} d ln1 out (gate)`, dGatePre, p(block.wGate), dNorm, rows, H, D, {
          transposeB: true,
          accumulate: true,
        });
        run(bwd, {
          kernel: 'column-sum',
          label: `${name} gate bias`,
          uniform: packUniform([rows, H]),
          buffers: [dGatePre, g(block.bGate)],
          items: H,
        });
      }
      bwd.push({ kind: 'copy', source: dxB, target: dxA, bytes: 4 * rows * D });
      layerNormBackward(`${name} ln1`, s.ln1, dNorm, dxA);
    }
    run(bwd, {
      kernel: 'embed-backward',
      label: 'embeddings',
      uniform: packUniform([rows, T, D, V]),
      buffers: [
        this.tokenIds,
        dxA,
        g(this.layout.tokenEmbedding),
        g(this.layout.positionEmbedding),
      ],
      items: (V + T) * D,
    });

    this.adamUniform = run(this.optimizerOps, {
      kernel: 'adamw',
      label: 'step',
      uniform: packUniform([P, 0, 0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7]),
      buffers: [this.params, this.grads, moment1, moment2, decay],
      items: P,
    });
    this.bytes =
      this.buffers.reduce((sum, b) => sum + b.size, 0) +
      this.attentions.reduce((sum, a) => sum + a.bytes, 0);
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
    for (const a of this.attentions) a.destroy();
    for (const b of this.buffers) b.destroy();
    this.kernels.destroy();
  }
}
