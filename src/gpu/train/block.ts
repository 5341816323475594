/**
 * What the trainer (model.ts) and the one-layer training step (layer.ts) are built from: a graph
 * of GPU operations over one parameter buffer and one gradient buffer (TrainGraph: buffers,
 * matrix products, layer norms, weight gradients), and the pre-norm block (GPT-2's order:
 * x += Attn(LN1(x)) Wo; x += MLP(LN2(x))) whose forward and backward operations it appends.
 * Every buffer, pipeline and bind group is made once, up front; a step only encodes.
 */
import type { TrainAttention, TrainAttentionFactory } from './attention.ts';
import { LAYER_NORM_EPS, type BlockSlots, type ParameterSlot, type TrainConfig } from './config.ts';
import {
  KernelBuilder,
  matmulSplits,
  packUniform,
  TRAIN_WORKGROUP_SIZE,
  type KernelCall,
  type TrainOp,
} from './kernels.ts';

/** The settings a block reads (a TrainConfig has them all). */
export type BlockConfig = Pick<
  TrainConfig,
  | 'form'
  | 'dModel'
  | 'heads'
  | 'mlp'
  | 'tokens'
  | 'batch'
  | 'activation'
  | 'featureMap'
  | 'normalize'
>;

/** Read at use: in Node the WebGPU globals exist only once Dawn has loaded. */
const storageUsage = (): number =>
  GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** A layer norm's output and what its backward pass reads. */
export interface Norm {
  y: GPUBuffer;
  xhat: GPUBuffer;
  rstd: GPUBuffer;
  gain: ParameterSlot;
  bias: ParameterSlot;
}

/** The product flags of train-matmul.wgsl. */
export interface MatmulFlags {
  transposeA?: boolean;
  transposeB?: boolean;
  accumulate?: boolean;
}

/**
 * Forward and backward operations over one parameter buffer and its gradient buffer (same flat
 * layout), on `rows` = batch x tokens rows of width dModel. Owns every buffer it makes.
 */
export class TrainGraph {
  readonly forward: TrainOp[] = [];
  readonly backward: TrainOp[] = [];
  readonly rows: number;
  readonly kernels: KernelBuilder;
  readonly attentions: TrainAttention[] = [];
  private readonly owned: GPUBuffer[] = [];
  private readonly partials: GPUBuffer;
  private readonly dyXhat: GPUBuffer;

  /**
   * `weightShapes` lists every weight gradient's [m, n] (inputs x outputs) that weightGradient
   * will be asked for, so that one partial-sums buffer fits the largest split product.
   */
  constructor(
    readonly device: GPUDevice,
    readonly config: BlockConfig,
    readonly label: string,
    readonly params: GPUBuffer,
    readonly grads: GPUBuffer,
    weightShapes: readonly [number, number][],
  ) {
    this.rows = config.batch * config.tokens;
    this.kernels = new KernelBuilder(device, label);
    // Column sums of [rows][dModel] stage through it too (columnSum).
    let partialFloats = columnSumStages(this.rows) * config.dModel;
    for (const [m, n] of weightShapes) {
      const splits = matmulSplits(m, this.rows, n).splits;
      if (splits > 1) partialFloats = Math.max(partialFloats, splits * m * n);
    }
    this.partials = this.make('weight-gradient partial sums', partialFloats);
    this.dyXhat = this.make('d gain terms', this.rows * config.dModel);
  }

  /** Bytes of GPU memory held: its buffers and its attention ops'. */
  get bytes(): number {
    return (
      this.owned.reduce((sum, b) => sum + b.size, 0) +
      this.attentions.reduce((sum, a) => sum + a.bytes, 0)
    );
  }

  /** A storage buffer of `floats` f32 (at least 4), labelled with the graph's shape. */
  make(name: string, floats: number, usage = storageUsage()): GPUBuffer {
    const buffer = this.device.createBuffer({
      label: `${this.label} ${name}`,
      size: 4 * Math.max(4, floats),
      usage,
    });
    this.owned.push(buffer);
    return buffer;
  }

  /** Appends one dispatch to `ops`; returns its uniform buffer (to rewrite between steps). */
  run(ops: TrainOp[], call: KernelCall): GPUBuffer {
    const made = this.kernels.dispatch(call);
    ops.push(made.op);
    return made.uniform;
  }

  /** A parameter's binding. */
  p(slot: ParameterSlot): GPUBufferBinding {
    return { buffer: this.params, offset: 4 * slot.offset, size: 4 * slot.size };
  }

  /** A parameter gradient's binding. */
  g(slot: ParameterSlot): GPUBufferBinding {
    return { buffer: this.grads, offset: 4 * slot.offset, size: 4 * slot.size };
  }

  /** C = op(A) op(B) (+ C): [m][n] from [m][k] and [k][n], in one split. */
  matmul(
    ops: TrainOp[],
    name: string,
    a: GPUBuffer | GPUBufferBinding,
    b: GPUBuffer | GPUBufferBinding,
    c: GPUBuffer | GPUBufferBinding,
    m: number,
    k: number,
    n: number,
    flags: MatmulFlags = {},
  ): void {
    this.run(ops, {
      kernel: 'matmul',
      label: name,
      constants: {
        TRANSPOSE_A: flags.transposeA ? 1 : 0,
        TRANSPOSE_B: flags.transposeB ? 1 : 0,
        ACCUMULATE: flags.accumulate ? 1 : 0,
      },
      uniform: packUniform([m, k, n, k]),
      buffers: [a, b, c],
      items: matmulWorkgroups(m, n, 1) * TRAIN_WORKGROUP_SIZE,
    });
  }

  /**
   * dW [m][n] = A^T dC summed over the rows (A [rows][m], dC [rows][n]), into the backward ops:
   * split along the rows when the product alone would not fill the GPU, the splits then added.
   */
  weightGradient(
    name: string,
    a: GPUBuffer,
    dc: GPUBuffer,
    dW: GPUBufferBinding,
    m: number,
    n: number,
  ): void {
    const { splits, kSplit } = matmulSplits(m, this.rows, n);
    this.run(this.backward, {
      kernel: 'matmul',
      label: name,
      constants: { TRANSPOSE_A: 1, TRANSPOSE_B: 0, ACCUMULATE: 0 },
      uniform: packUniform([m, this.rows, n, kSplit]),
      buffers: [a, dc, splits > 1 ? this.partials : dW],
      items: matmulWorkgroups(m, n, splits) * TRAIN_WORKGROUP_SIZE,
    });
    if (splits > 1) {
      this.run(this.backward, {
        kernel: 'column-sum',
        label: `${name} (splits)`,
        uniform: packUniform([splits, m * n]),
        buffers: [this.partials, dW],
        items: m * n,
      });
    }
  }

  /** y = LN(x) gain + bias into the forward ops. */
  layerNorm(name: string, x: GPUBuffer, gain: ParameterSlot, bias: ParameterSlot): Norm {
    const { rows } = this;
    const D = this.config.dModel;
    const norm: Norm = {
      y: this.make(`${name} out`, rows * D),
      xhat: this.make(`${name} xhat`, rows * D),
      rstd: this.make(`${name} rstd`, rows),
      gain,
      bias,
    };
    this.run(this.forward, {
      kernel: 'layer-norm',
      label: name,
      constants: { LN_EPS: LAYER_NORM_EPS },
      uniform: packUniform([rows, D]),
      buffers: [x, this.p(gain), this.p(bias), norm.y, norm.xhat, norm.rstd],
      items: rows,
    });
    return norm;
  }

  /** dx += LN backward of dOut; the gain's and bias's gradients into their slots. */
  layerNormBackward(name: string, norm: Norm, dOut: GPUBuffer, dx: GPUBuffer): void {
    const { rows } = this;
    const D = this.config.dModel;
    this.run(this.backward, {
      kernel: 'layer-norm-backward',
      label: name,
      uniform: packUniform([rows, D]),
      buffers: [dOut, this.p(norm.gain), norm.xhat, norm.rstd, dx, this.dyXhat],
      items: rows,
    });
    this.columnSum(`${name} gain`, this.dyXhat, this.g(norm.gain), D);
    this.columnSum(`${name} bias`, dOut, this.g(norm.bias), D);
  }

  /**
   * out[c] = sum over the rows of values[r][c], into the backward ops. With S = columnSumStages
   * (rows) > 1, in two passes of train-column-sum.wgsl: values read as [rows / S][S x cols] give S
   * partial sums per column (rows r = s mod S), then those S are added; so that a long batch is
   * summed by S x cols invocations instead of cols.
   */
  columnSum(name: string, values: GPUBuffer, out: GPUBufferBinding, cols: number): void {
    const stages = columnSumStages(this.rows);
    if (stages > 1) {
      this.run(this.backward, {
        kernel: 'column-sum',
        label: `${name} (partial)`,
        uniform: packUniform([this.rows / stages, stages * cols]),
        buffers: [values, this.partials],
        items: stages * cols,
      });
    }
    this.run(this.backward, {
      kernel: 'column-sum',
      label: name,
      uniform: packUniform([stages > 1 ? stages : this.rows, cols]),
      buffers: [stages > 1 ? this.partials : values, out],
      items: cols,
    });
  }

  /** Frees every buffer, attention op and uniform it made. Idempotent. */
  destroy(): void {
    for (const a of this.attentions) a.destroy();
    this.attentions.length = 0;
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
    this.kernels.destroy();
  }
}

/**
 * The partial sums of a column sum over `rows` rows: the largest power of two that divides rows,
 * at most 256 and at most rows / 16 (short batches are summed in one pass).
 */
export function columnSumStages(rows: number): number {
  let stages = 1;
  while (stages < 256 && rows % (2 * stages) === 0 && 2 * stages * 16 <= rows) stages *= 2;
  return stages;
}

/** Workgroups of one train-matmul.wgsl dispatch: one per 64 x 64 tile of C per split. */
export function matmulWorkgroups(m: number, n: number, splits: number): number {
  return Math.ceil(m / 64) * Math.ceil(n / 64) * splits;
}

/** The backward pass's scratch buffers, shared by every block (blocks run backward in turn). */
export interface BlockScratch {
  /** The gradient of the block's output on entry to its backward, of its input on exit. */
  dxA: GPUBuffer;
  dxB: GPUBuffer;
  dNorm: GPUBuffer;
  dAct: GPUBuffer;
  dPre: GPUBuffer;
  dAttY: GPUBuffer;
  dq: GPUBuffer;
  dk: GPUBuffer;
  dv: GPUBuffer;
  dLogDecay: GPUBuffer | null;
  dGatePre: GPUBuffer | null;
}

export function createBlockScratch(graph: TrainGraph): BlockScratch {
  const { rows, config } = graph;
  const D = config.dModel;
  const gated = config.form === 'gated';
  return {
    dxA: graph.make('d residual', rows * D),
    dxB: graph.make('d residual (block middle)', rows * D),
    dNorm: graph.make('d norm out', rows * D),
    dAct: graph.make('d mlp act', rows * config.mlp),
    dPre: graph.make('d mlp pre', rows * config.mlp),
    dAttY: graph.make('d attention out', rows * D),
    dq: graph.make('dq', rows * D),
    dk: graph.make('dk', rows * D),
    dv: graph.make('dv', rows * D),
    dLogDecay: gated ? graph.make('d log-decays', rows * config.heads) : null,
    dGatePre: gated ? graph.make('d gate pre', rows * config.heads) : null,
  };
}

/** The [m, n] of every weight gradient of a block. */
export function blockWeightShapes(config: BlockConfig): [number, number][] {
  const { dModel: D, mlp: M, heads: H } = config;
  return [
    [D, D],
    [D, M],
    [M, D],
    [D, H],
  ];
}

/** One block in a graph: its output, and `backward` that appends its backward operations. */
export interface BuiltBlock {
  out: GPUBuffer;
  /** Appends the backward ops: reads dL/dout from scratch.dxA, leaves dL/dx in scratch.dxA. */
  backward(): void;
}

/**
 * Appends one pre-norm block's forward operations on input `x` ([rows][dModel]) to the graph,
 * its attention from `factory`; returns its output buffer and its backward.
 */
export function buildBlock(
  graph: TrainGraph,
  scratch: BlockScratch,
  block: BlockSlots,
  x: GPUBuffer,
  name: string,
  factory: TrainAttentionFactory,
): BuiltBlock {
  const { rows, config, forward: fwd, backward: bwd } = graph;
  const { batch: B, tokens: T, dModel: D, heads: H, mlp: M } = config;
  const p = (s: ParameterSlot) => graph.p(s);
  const g = (s: ParameterSlot) => graph.g(s);
  const activation = { ACTIVATION: config.activation === 'relu' ? 1 : 0 };

  const ln1 = graph.layerNorm(`${name} ln1`, x, block.ln1Gain, block.ln1Bias);
  const q = graph.make(`${name} q`, rows * D);
  const k = graph.make(`${name} k`, rows * D);
  const v = graph.make(`${name} v`, rows * D);
  graph.matmul(fwd, `${name} q`, ln1.y, p(block.wq), q, rows, D, D);
  graph.matmul(fwd, `${name} k`, ln1.y, p(block.wk), k, rows, D, D);
  graph.matmul(fwd, `${name} v`, ln1.y, p(block.wv), v, rows, D, D);
  let gatePre: GPUBuffer | null = null;
  let logDecay: GPUBuffer | null = null;
  if (block.wGate && block.bGate) {
    gatePre = graph.make(`${name} gate pre`, rows * H);
    logDecay = graph.make(`${name} log-decays`, rows * H);
    graph.matmul(fwd, `${name} gate`, ln1.y, p(block.wGate), gatePre, rows, D, H);
    graph.run(fwd, {
      kernel: 'gate',
      label: name,
      uniform: packUniform([rows, H]),
      buffers: [gatePre, p(block.bGate), logDecay],
      items: rows * H,
    });
  }
  const attY = graph.make(`${name} attention out`, rows * D);
  const { dxA, dxB, dNorm, dAct, dPre, dAttY, dq, dk, dv, dLogDecay, dGatePre } = scratch;
  const attention = factory(
    graph.device,
    { batch: B, tokens: T, heads: H, headDim: D / H },
    config,
    { q, k, v, logDecay, y: attY, dy: dAttY, dq, dk, dv, dLogDecay },
    `${name} attention`,
  );
  graph.attentions.push(attention);
  fwd.push(...attention.forward);
  // x1 = x + attY wo.
  const x1 = graph.make(`${name} mid`, rows * D);
  fwd.push({ kind: 'copy', source: x, target: x1, bytes: 4 * rows * D });
  graph.matmul(fwd, `${name} wo`, attY, p(block.wo), x1, rows, D, D, { accumulate: true });
  const ln2 = graph.layerNorm(`${name} ln2`, x1, block.ln2Gain, block.ln2Bias);
  const pre = graph.make(`${name} mlp pre`, rows * M);
  const act = graph.make(`${name} mlp act`, rows * M);
  graph.matmul(fwd, `${name} w1`, ln2.y, p(block.w1), pre, rows, D, M);
  graph.run(fwd, {
    kernel: 'activation',
    label: name,
    constants: activation,
    uniform: packUniform([rows * M]),
    buffers: [pre, act],
    items: rows * M,
  });
  const x2 = graph.make(`${name} out`, rows * D);
  fwd.push({ kind: 'copy', source: x1, target: x2, bytes: 4 * rows * D });
  graph.matmul(fwd, `${name} w2`, act, p(block.w2), x2, rows, M, D, { accumulate: true });

  const backward = (): void => {
    // x2 = x1 + act(ln2(x1) w1) w2; dxA holds dx2.
    graph.weightGradient(`${name} d w2`, act, dxA, g(block.w2), M, D);
    graph.matmul(bwd, `${name} d act`, dxA, p(block.w2), dAct, rows, D, M, { transposeB: true });
    graph.run(bwd, {
      kernel: 'activation-backward',
      label: name,
      constants: activation,
      uniform: packUniform([rows * M]),
      buffers: [dAct, pre, dPre],
      items: rows * M,
    });
    graph.weightGradient(`${name} d w1`, ln2.y, dPre, g(block.w1), D, M);
    graph.matmul(bwd, `${name} d ln2 out`, dPre, p(block.w1), dNorm, rows, M, D, {
      transposeB: true,
    });
    bwd.push({ kind: 'copy', source: dxA, target: dxB, bytes: 4 * rows * D });
    graph.layerNormBackward(`${name} ln2`, ln2, dNorm, dxB);
    // x1 = x + attention(ln1(x)) wo; dxB holds dx1.
    graph.weightGradient(`${name} d wo`, attY, dxB, g(block.wo), D, D);
    graph.matmul(bwd, `${name} d attention out`, dxB, p(block.wo), dAttY, rows, D, D, {
      transposeB: true,
    });
    bwd.push(...attention.backward);
    const projections: [ParameterSlot, GPUBuffer][] = [
      [block.wq, dq],
      [block.wk, dk],
      [block.wv, dv],
    ];
    projections.forEach(([w, dOut], i) => {
      graph.weightGradient(`${name} d ${w.name}`, ln1.y, dOut, g(w), D, D);
      graph.matmul(bwd, `${name} d ln1 out (${w.name})`, dOut, p(w), dNorm, rows, D, D, {
        transposeB: true,
        accumulate: i > 0,
      });
    });
    if (block.wGate && block.bGate && gatePre && dLogDecay && dGatePre) {
      graph.run(bwd, {
        kernel: 'gate-backward',
        label: name,
        uniform: packUniform([rows, H]),
        buffers: [dLogDecay, gatePre, p(block.bGate), dGatePre],
        items: rows * H,
      });
      graph.weightGradient(`${name} d gate weight`, ln1.y, dGatePre, g(block.wGate), D, H);
      graph.matmul(bwd, `${name} d ln1 out (gate)`, dGatePre, p(block.wGate), dNorm, rows, H, D, {
        transposeB: true,
        accumulate: true,
      });
      graph.columnSum(`${name} gate bias`, dGatePre, g(block.bGate), H);
    }
    bwd.push({ kind: 'copy', source: dxB, target: dxA, bytes: 4 * rows * D });
    graph.layerNormBackward(`${name} ln1`, ln1, dNorm, dxA);
  };
  return { out: x2, backward };
}
