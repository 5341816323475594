/**
 * The float64 CPU reference of the whole tiny model: forward, loss, and the gradient of every
 * parameter by hand-written backward passes (checked against finite differences in
 * tests/unit/train-reference.test.ts). The GPU trainer's gradients are checked against this one.
 * Activations are [rows][width] with rows = batch x tokens; attention heads are column blocks.
 */
import { NORMALIZER_EPS, type FeatureMap } from '../types.ts';
import { applyFeatureMap, featureMapDerivative } from '../forms/linear/reference.ts';
import {
  LAYER_NORM_EPS,
  layoutParameters,
  type OptimizerConfig,
  type ParameterLayout,
  type BlockSlots,
  type ParameterSlot,
  type TrainConfig,
} from './config.ts';

type Vec = Float64Array;

/** C[M][N] = A[M][K] B[K][N]. */
export function matmul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  M: number,
  K: number,
  N: number,
): Vec {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const aik = a[i * K + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < N; j++) c[i * N + j]! += aik * b[k * N + j]!;
    }
  }
  return c;
}

/** dA = dC B^T and dB = A^T dC for C = A B. */
export function matmulBackward(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  dc: ArrayLike<number>,
  M: number,
  K: number,
  N: number,
): { da: Vec; db: Vec } {
  const da = new Float64Array(M * K);
  const db = new Float64Array(K * N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      let s = 0;
      const aik = a[i * K + k]!;
      for (let j = 0; j < N; j++) {
        const g = dc[i * N + j]!;
        s += g * b[k * N + j]!;
        db[k * N + j]! += aik * g;
      }
      da[i * K + k] = s;
    }
  }
  return { da, db };
}

export interface LayerNormCache {
  xhat: Vec;
  rstd: Vec;
}

/** y = (x - mean) / sqrt(var + eps) * gain + bias, per row. */
export function layerNorm(
  x: Vec,
  gain: ArrayLike<number>,
  bias: ArrayLike<number>,
  rows: number,
  width: number,
): { y: Vec; cache: LayerNormCache } {
  const y = new Float64Array(rows * width);
  const xhat = new Float64Array(rows * width);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let c = 0; c < width; c++) mean += x[r * width + c]!;
    mean /= width;
    let variance = 0;
    for (let c = 0; c < width; c++) variance += (x[r * width + c]! - mean) ** 2;
    variance /= width;
    const s = 1 / Math.sqrt(variance + LAYER_NORM_EPS);
    rstd[r] = s;
    for (let c = 0; c < width; c++) {
      const h = (x[r * width + c]! - mean) * s;
      xhat[r * width + c] = h;
      y[r * width + c] = h * gain[c]! + bias[c]!;
    }
  }
  return { y, cache: { xhat, rstd } };
}

/** dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = dy gain. */
export function layerNormBackward(
  dy: Vec,
  gain: ArrayLike<number>,
  cache: LayerNormCache,
  rows: number,
  width: number,
): { dx: Vec; dGain: Vec; dBias: Vec } {
  const dx = new Float64Array(rows * width);
  const dGain = new Float64Array(width);
  const dBias = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    let meanD = 0;
    let meanDX = 0;
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      const dh = dy[i]! * gain[c]!;
      meanD += dh;
      meanDX += dh * cache.xhat[i]!;
      dGain[c]! += dy[i]! * cache.xhat[i]!;
      dBias[c]! += dy[i]!;
    }
    meanD /= width;
    meanDX /= width;
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      dx[i] = cache.rstd[r]! * (dy[i]! * gain[c]! - meanD - cache.xhat[i]! * meanDX);
    }
  }
  return { dx, dGain, dBias };
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (Hendrycks and Gimpel 2016; GPT-2's), or ReLU. */
export function activate(x: number, activation: 'gelu' | 'relu'): number {
  if (activation === 'relu') return Math.max(x, 0);
  return 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x ** 3)));
}

/** The activation's derivative at x. */
export function activateDerivative(x: number, activation: 'gelu' | 'relu'): number {
  if (activation === 'relu') return x > 0 ? 1 : 0;
  const t = Math.tanh(GELU_C * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
}

/** phi'(x) for the engine's feature maps. */
export { featureMapDerivative };

/** log(sigmoid(x)) = -softplus(-x), never overflowing. */
export function logSigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}

/** The shape of one causal attention call: [batch x tokens][heads x headDim] inputs. */
export interface AttentionDims {
  batch: number;
  tokens: number;
  heads: number;
  headDim: number;
}

export interface AttentionSettings {
  form: 'softmax' | 'linear' | 'gated';
  featureMap: FeatureMap;
  normalize: boolean;
}

export interface AttentionCache {
  /** Weights W[b][h][i][j] (zero above the diagonal): y_i = sum_j W_ij v_j. */
  weights: Vec;
  /** Linear forms: the denominators phi(q_i) . z_i + eps, [b][h][i] (1 when not normalising). */
  denominators: Vec;
  /** Gated: cumulative log-decays G [b][h][t]. */
  cumulative: Vec;
}

/**
 * Causal attention, materialised. softmax: W = softmax(q k^T / sqrt(d)); linear:
 * W_ij = e_ij phi(q_i).phi(k_j) / den_i with den_i = sum_j e_ij phi(q_i).phi(k_j) + eps
 * (Katharopoulos et al. 2020), e_ij = exp(G_i - G_j) for the gated form (G the cumulative sum of
 * the log-decays logDecay [b][t][h]) and 1 otherwise, as forms/linear/reference.ts.
 */
export function attention(
  q: Vec,
  k: Vec,
  v: Vec,
  logDecay: Vec | null,
  dims: AttentionDims,
  settings: AttentionSettings,
): { y: Vec; cache: AttentionCache } {
  const { batch: B, tokens: T, heads: H, headDim: d } = dims;
  const width = H * d;
  const y = new Float64Array(B * T * width);
  const weights = new Float64Array(B * H * T * T);
  const denominators = new Float64Array(B * H * T).fill(1);
  const cumulative = new Float64Array(B * H * T);
  const scale = 1 / Math.sqrt(d);
  const phi = (x: number): number => applyFeatureMap(x, settings.featureMap);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const bh = b * H + h;
      if (logDecay) {
        let run = 0;
        for (let t = 0; t < T; t++) {
          run += logDecay[(b * T + t) * H + h]!;
          cumulative[bh * T + t] = run;
        }
      }
      for (let i = 0; i < T; i++) {
        const qi = (b * T + i) * width + h * d;
        const row = new Float64Array(i + 1);
        for (let j = 0; j <= i; j++) {
          const kj = (b * T + j) * width + h * d;
          let s = 0;
          if (settings.form === 'softmax') {
            for (let x = 0; x < d; x++) s += q[qi + x]! * k[kj + x]!;
            s *= scale;
          } else {
            for (let x = 0; x < d; x++) s += phi(q[qi + x]!) * phi(k[kj + x]!);
            if (logDecay) s *= Math.exp(cumulative[bh * T + i]! - cumulative[bh * T + j]!);
          }
          row[j] = s;
        }
        if (settings.form === 'softmax') {
          let max = -Infinity;
          for (let j = 0; j <= i; j++) max = Math.max(max, row[j]!);
          let sum = 0;
          for (let j = 0; j <= i; j++) {
            row[j] = Math.exp(row[j]! - max);
            sum += row[j]!;
          }
          for (let j = 0; j <= i; j++) row[j]! /= sum;
        } else if (settings.normalize) {
          let den = NORMALIZER_EPS;
          for (let j = 0; j <= i; j++) den += row[j]!;
          denominators[bh * T + i] = den;
          for (let j = 0; j <= i; j++) row[j]! /= den;
        }
        for (let j = 0; j <= i; j++) {
          weights[(bh * T + i) * T + j] = row[j]!;
          const vj = (b * T + j) * width + h * d;
          for (let x = 0; x < d; x++) y[qi + x]! += row[j]! * v[vj + x]!;
        }
      }
    }
  }
  return { y, cache: { weights, denominators, cumulative } };
}

/** Gradients of `attention` for q, k, v and the log-decays (null when ungated). */
export function attentionBackward(
  dy: Vec,
  q: Vec,
  k: Vec,
  v: Vec,
  cache: AttentionCache,
  gated: boolean,
  dims: AttentionDims,
  settings: AttentionSettings,
): { dq: Vec; dk: Vec; dv: Vec; dLogDecay: Vec | null } {
  const { batch: B, tokens: T, heads: H, headDim: d } = dims;
  const width = H * d;
  const dq = new Float64Array(B * T * width);
  const dk = new Float64Array(B * T * width);
  const dv = new Float64Array(B * T * width);
  const dLogDecay = gated ? new Float64Array(B * T * H) : null;
  const scale = 1 / Math.sqrt(d);
  const phi = (x: number): number => applyFeatureMap(x, settings.featureMap);
  const { weights, denominators, cumulative } = cache;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const bh = b * H + h;
      const dG = new Float64Array(T);
      for (let i = 0; i < T; i++) {
        const qi = (b * T + i) * width + h * d;
        // dW_ij = dy_i . v_j; then the score gradient dS_ij, the same shape for both families:
        // softmax dS = W (dW - rowdot); normalised linear dA = (dW - rowdot) / den.
        const dW = new Float64Array(i + 1);
        let rowdot = 0;
        for (let j = 0; j <= i; j++) {
          const vj = (b * T + j) * width + h * d;
          let s = 0;
          for (let x = 0; x < d; x++) s += dy[qi + x]! * v[vj + x]!;
          dW[j] = s;
          const w = weights[(bh * T + i) * T + j]!;
          rowdot += w * s;
          for (let x = 0; x < d; x++) dv[vj + x]! += w * dy[qi + x]!;
        }
        for (let j = 0; j <= i; j++) {
          const kj = (b * T + j) * width + h * d;
          const w = weights[(bh * T + i) * T + j]!;
          if (settings.form === 'softmax') {
            const ds = w * (dW[j]! - rowdot) * scale;
            for (let x = 0; x < d; x++) {
              dq[qi + x]! += ds * k[kj + x]!;
              dk[kj + x]! += ds * q[qi + x]!;
            }
          } else {
            const den = denominators[bh * T + i]!;
            const dA = settings.normalize ? (dW[j]! - rowdot) / den : dW[j]!;
            const a = settings.normalize ? w * den : w;
            const e = gated ? Math.exp(cumulative[bh * T + i]! - cumulative[bh * T + j]!) : 1;
            const dc = dA * e;
            for (let x = 0; x < d; x++) {
              dq[qi + x]! += dc * phi(k[kj + x]!);
              dk[kj + x]! += dc * phi(q[qi + x]!);
            }
            if (gated) {
              // a_ij = c_ij exp(G_i - G_j): dG_i += dA a, dG_j -= dA a.
              dG[i]! += dA * a;
              dG[j]! -= dA * a;
            }
          }
        }
      }
      if (dLogDecay) {
        // G_t = g_1 + ... + g_t, so dg_t = sum_{i >= t} dG_i.
        let run = 0;
        for (let t = T - 1; t >= 0; t--) {
          run += dG[t]!;
          dLogDecay[(b * T + t) * H + h] = run;
        }
      }
    }
  }
  if (settings.form !== 'softmax') {
    // Through phi: the accumulations above are with respect to phi(q), phi(k).
    for (let i = 0; i < dq.length; i++) {
      dq[i]! *= featureMapDerivative(q[i]!, settings.featureMap);
      dk[i]! *= featureMapDerivative(k[i]!, settings.featureMap);
    }
  }
  return { dq, dk, dv, dLogDecay };
}

/** The outcome of one forward and backward pass over a batch. */
export interface ReferenceStep {
  /** Mean cross-entropy over the scored positions (targets >= 0). */
  loss: number;
  /** Scored positions whose arg-max logit is the target. */
  correct: number;
  /** Positions scored. */
  scored: number;
  /** d loss / d parameters, in the flat layout. */
  gradients: Float64Array;
  /** Logits [rows][vocab]. */
  logits: Float64Array;
}

function slice(params: ArrayLike<number>, slot: ParameterSlot): Vec {
  const out = new Float64Array(slot.size);
  for (let i = 0; i < slot.size; i++) out[i] = params[slot.offset + i]!;
  return out;
}

function addInto(target: Float64Array, slot: ParameterSlot, values: ArrayLike<number>): void {
  for (let i = 0; i < slot.size; i++) target[slot.offset + i]! += values[i]!;
}

/**
 * Forward, cross-entropy over the positions with a target >= 0 (mean), and backward, in float64.
 * tokens and targets are [batch][tokens].
 */
export function referenceStep(
  config: TrainConfig,
  params: ArrayLike<number>,
  tokens: Int32Array,
  targets: Int32Array,
): ReferenceStep {
  const layout: ParameterLayout = layoutParameters(config);
  const { batch: B, tokens: T, dModel: D, vocab: V } = config;
  const rows = B * T;
  const p = (slot: ParameterSlot): Vec => slice(params, slot);

  // Embedding.
  let x: Vec = new Float64Array(rows * D);
  const tokEmb = p(layout.tokenEmbedding);
  const posEmb = p(layout.positionEmbedding);
  for (let r = 0; r < rows; r++) {
    const t = r % T;
    const token = tokens[r]!;
    for (let c = 0; c < D; c++) x[r * D + c] = tokEmb[token * D + c]! + posEmb[t * D + c]!;
  }

  const caches: BlockCache[] = [];
  for (const block of layout.blocks) {
    const out = referenceBlockForward(config, block, params, x);
    caches.push(out.cache);
    x = out.y;
  }
  const lnf = layerNorm(x, p(layout.lnfGain), p(layout.lnfBias), rows, D);
  const logits = matmul(lnf.y, p(layout.wOut), rows, D, V);

  // Cross-entropy, mean over scored positions.
  let scored = 0;
  for (let r = 0; r < rows; r++) if (targets[r]! >= 0) scored++;
  const dLogits = new Float64Array(rows * V);
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const target = targets[r]!;
    if (target < 0) continue;
    let max = -Infinity;
    let argmax = 0;
    for (let c = 0; c < V; c++) {
      if (logits[r * V + c]! > max) {
        max = logits[r * V + c]!;
        argmax = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < V; c++) sum += Math.exp(logits[r * V + c]! - max);
    loss += (Math.log(sum) + max - logits[r * V + target]!) / scored;
    if (argmax === target) correct++;
    for (let c = 0; c < V; c++) {
      const prob = Math.exp(logits[r * V + c]! - max) / sum;
      dLogits[r * V + c] = (prob - (c === target ? 1 : 0)) / scored;
    }
  }

  // Backward.
  const gradients = new Float64Array(layout.length);
  const out = matmulBackward(lnf.y, p(layout.wOut), dLogits, rows, D, V);
  addInto(gradients, layout.wOut, out.db);
  const lnfBack = layerNormBackward(out.da, p(layout.lnfGain), lnf.cache, rows, D);
  addInto(gradients, layout.lnfGain, lnfBack.dGain);
  addInto(gradients, layout.lnfBias, lnfBack.dBias);
  let dx: Vec = lnfBack.dx;
  for (let l = layout.blocks.length - 1; l >= 0; l--) {
    dx = referenceBlockBackward(config, layout.blocks[l]!, params, caches[l]!, dx, gradients);
  }
  const dTok = new Float64Array(V * D);
  const dPos = new Float64Array(T * D);
  for (let r = 0; r < rows; r++) {
    const token = tokens[r]!;
    const t = r % T;
    for (let c = 0; c < D; c++) {
      dTok[token * D + c]! += dx[r * D + c]!;
      dPos[t * D + c]! += dx[r * D + c]!;
    }
  }
  addInto(gradients, layout.tokenEmbedding, dTok);
  addInto(gradients, layout.positionEmbedding, dPos);
  return { loss, correct, scored, gradients, logits };
}

/** What one block's backward pass reads from its forward. */
export interface BlockCache {
  x: Vec;
  ln1: { y: Vec; cache: LayerNormCache };
  q: Vec;
  k: Vec;
  v: Vec;
  gatePre: Vec | null;
  logDecay: Vec | null;
  att: { y: Vec; cache: AttentionCache };
  x1: Vec;
  ln2: { y: Vec; cache: LayerNormCache };
  pre: Vec;
  act: Vec;
}

/** The block settings the reference reads (a TrainConfig has them all). */
export type ReferenceBlockConfig = Pick<
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

/**
 * One pre-norm block, x2 = x1 + act(LN2(x1) w1) w2 with x1 = x + Attn(LN1(x)) wo, on x
 * [batch x tokens][dModel], its parameters read from `params` at `block`'s slots.
 */
export function referenceBlockForward(
  config: ReferenceBlockConfig,
  block: BlockSlots,
  params: ArrayLike<number>,
  x: Vec,
): { y: Vec; cache: BlockCache } {
  const { batch: B, tokens: T, dModel: D, heads: H, mlp: M } = config;
  const rows = B * T;
  const dims: AttentionDims = { batch: B, tokens: T, heads: H, headDim: D / H };
  const p = (slot: ParameterSlot): Vec => slice(params, slot);
  const ln1 = layerNorm(x, p(block.ln1Gain), p(block.ln1Bias), rows, D);
  const q = matmul(ln1.y, p(block.wq), rows, D, D);
  const k = matmul(ln1.y, p(block.wk), rows, D, D);
  const v = matmul(ln1.y, p(block.wv), rows, D, D);
  let gatePre: Vec | null = null;
  let logDecay: Vec | null = null;
  if (block.wGate && block.bGate) {
    gatePre = matmul(ln1.y, p(block.wGate), rows, D, H);
    const bias = p(block.bGate);
    logDecay = new Float64Array(rows * H);
    for (let r = 0; r < rows; r++) {
      for (let h = 0; h < H; h++) {
        gatePre[r * H + h]! += bias[h]!;
        logDecay[r * H + h] = logSigmoid(gatePre[r * H + h]!);
      }
    }
  }
  const att = attention(q, k, v, logDecay, dims, config);
  const o = matmul(att.y, p(block.wo), rows, D, D);
  const x1 = new Float64Array(rows * D);
  for (let i = 0; i < x1.length; i++) x1[i] = x[i]! + o[i]!;
  const ln2 = layerNorm(x1, p(block.ln2Gain), p(block.ln2Bias), rows, D);
  const pre = matmul(ln2.y, p(block.w1), rows, D, M);
  const act = pre.map((value) => activate(value, config.activation));
  const m = matmul(act, p(block.w2), rows, M, D);
  const x2 = new Float64Array(rows * D);
  for (let i = 0; i < x2.length; i++) x2[i] = x1[i]! + m[i]!;
  return { y: x2, cache: { x, ln1, q, k, v, gatePre, logDecay, att, x1, ln2, pre, act } };
}

/**
 * One block's backward pass: adds every parameter's gradient into `gradients` (the flat layout)
 * and returns dL/dx, given dL/dy (`dx`) and the forward's cache.
 */
export function referenceBlockBackward(
  config: ReferenceBlockConfig,
  block: BlockSlots,
  params: ArrayLike<number>,
  cache: BlockCache,
  dx: Vec,
  gradients: Float64Array,
): Vec {
  const { batch: B, tokens: T, dModel: D, heads: H, mlp: M } = config;
  const rows = B * T;
  const dims: AttentionDims = { batch: B, tokens: T, heads: H, headDim: D / H };
  const settings: AttentionSettings = config;
  const gated = config.form === 'gated';
  const p = (slot: ParameterSlot): Vec => slice(params, slot);
  // x2 = x1 + act(ln2(x1) w1) w2.
  const mlpOut = matmulBackward(cache.act, p(block.w2), dx, rows, M, D);
  addInto(gradients, block.w2, mlpOut.db);
  const dPre = mlpOut.da.map((g, i) => g * activateDerivative(cache.pre[i]!, config.activation));
  const mlpIn = matmulBackward(cache.ln2.y, p(block.w1), dPre, rows, D, M);
  addInto(gradients, block.w1, mlpIn.db);
  const ln2Back = layerNormBackward(mlpIn.da, p(block.ln2Gain), cache.ln2.cache, rows, D);
  addInto(gradients, block.ln2Gain, ln2Back.dGain);
  addInto(gradients, block.ln2Bias, ln2Back.dBias);
  const dx1 = dx.map((g, i) => g + ln2Back.dx[i]!);
  // x1 = x + attention(ln1(x)) wo.
  const proj = matmulBackward(cache.att.y, p(block.wo), dx1, rows, D, D);
  addInto(gradients, block.wo, proj.db);
  const att = attentionBackward(
    proj.da,
    cache.q,
    cache.k,
    cache.v,
    cache.att.cache,
    gated,
    dims,
    settings,
  );
  const dLn1 = new Float64Array(rows * D);
  for (const [slot, dOut] of [
    [block.wq, att.dq],
    [block.wk, att.dk],
    [block.wv, att.dv],
  ] as const) {
    const back = matmulBackward(cache.ln1.y, p(slot), dOut, rows, D, D);
    addInto(gradients, slot, back.db);
    for (let i = 0; i < dLn1.length; i++) dLn1[i]! += back.da[i]!;
  }
  if (block.wGate && block.bGate && att.dLogDecay && cache.gatePre) {
    // g = log sigmoid(u): dg/du = sigmoid(-u).
    const dU = att.dLogDecay.map((g, i) => g / (1 + Math.exp(cache.gatePre![i]!)));
    const back = matmulBackward(cache.ln1.y, p(block.wGate), dU, rows, D, H);
    addInto(gradients, block.wGate, back.db);
    const dBias = new Float64Array(H);
    for (let r = 0; r < rows; r++) for (let h = 0; h < H; h++) dBias[h]! += dU[r * H + h]!;
    addInto(gradients, block.bGate, dBias);
    for (let i = 0; i < dLn1.length; i++) dLn1[i]! += back.da[i]!;
  }
  const ln1Back = layerNormBackward(dLn1, p(block.ln1Gain), cache.ln1.cache, rows, D);
  addInto(gradients, block.ln1Gain, ln1Back.dGain);
  addInto(gradients, block.ln1Bias, ln1Back.dBias);
  return dx1.map((g, i) => g + ln1Back.dx[i]!);
}

/** AdamW's moments, one per parameter, in the flat layout. */
export interface AdamState {
  m: Float64Array;
  v: Float64Array;
  /** Steps taken so far. */
  step: number;
}

/**
 * One AdamW step in place (decoupled weight decay, bias-corrected moments; PyTorch's AdamW):
 * p -= lr wd p (decayed slots only); m, v updated; p -= lr m_hat / (sqrt(v_hat) + eps).
 */
export function referenceAdamW(
  params: Float64Array,
  gradients: ArrayLike<number>,
  state: AdamState,
  decay: ArrayLike<number>,
  optimizer: OptimizerConfig,
): void {
  state.step += 1;
  const { learningRate: lr, beta1, beta2, eps, weightDecay } = optimizer;
  const c1 = 1 - beta1 ** state.step;
  const c2 = 1 - beta2 ** state.step;
  for (let i = 0; i < params.length; i++) {
    const g = gradients[i]!;
    params[i]! *= 1 - lr * weightDecay * decay[i]!;
    state.m[i] = beta1 * state.m[i]! + (1 - beta1) * g;
    state.v[i] = beta2 * state.v[i]! + (1 - beta2) * g * g;
    params[i]! -= (lr * (state.m[i]! / c1)) / (Math.sqrt(state.v[i]! / c2) + eps);
  }
}
