/**
 * A dense fp32 matrix product in WGSL (sgemm-ceiling.wgsl: C = A^T B, 128 x 128 blocks, 8 x 8
 * outer products per thread), timed beside our attention kernels to say how much of the card's
 * fp32 rate a WGSL kernel reaches through this stack at all: the ceiling our attention kernels are
 * measured against, next to the native SGEMM's rate (`bench/sgemm-probe.ts`). Not an attention
 * form; nothing in the article runs it.
 */
import source from './kernels/sgemm-ceiling.wgsl?raw';
import { ShapeError } from './errors.ts';
import { passTimestamps } from './forms/form.ts';
import { requireDevice } from './guard.ts';
import { getPipeline } from './pipelines.ts';
import { submitAndRead } from './readback.ts';
import type { GpuWork, TimestampTarget } from './types.ts';

/** m and n must be multiples of this (the largest block, 8 x 8 per thread over 16 x 16 threads). */
export const SGEMM_BLOCK = 128;

/** Rows (TM) or columns (TN) of C per thread: 8 as dense products are tiled, 4 as our attention
 * kernels' thread tiles are. */
export type SgemmThreadTile = 4 | 8;

/** k per staged tile: 8 (16 KiB of workgroup memory, WebGPU's default limit) or 16 (32 KiB). */
export type SgemmDepth = 8 | 16;

export interface SgemmShape {
  m: number;
  n: number;
  k: number;
  depth: SgemmDepth;
  /** Rows per thread; default 8. */
  tm?: SgemmThreadTile;
  /** Columns per thread; default 8. */
  tn?: SgemmThreadTile;
}

/** A product created once and run many times: GpuWork plus its inputs and output. */
export interface SgemmWork extends GpuWork {
  readonly shape: SgemmShape;
  /** a: [k][m], b: [k][n]. */
  write(a: Float32Array, b: Float32Array): void;
  /**
   * C = A^T B ([m][n]) for these inputs, read back: C is filled with NaN first, so that an element
   * the kernel does not write shows.
   */
  compute(a: Float32Array, b: Float32Array): Promise<Float32Array>;
}

/** Workgroup memory the kernel declares: two tiles of each operand, 16 TM and 16 TN wide. */
export function sgemmWorkgroupBytes(depth: SgemmDepth, tm: SgemmThreadTile = 8, tn = tm): number {
  return 2 * depth * 16 * (tm + tn) * 4;
}

/** Why the shape cannot run on this device, or null. */
export function sgemmShapeError(shape: SgemmShape, limits: GPUSupportedLimits): string | null {
  const { m, n, k, depth } = shape;
  const tm = shape.tm ?? 8;
  const tn = shape.tn ?? 8;
  if (depth !== 8 && depth !== 16) return `depth must be 8 or 16 (got ${String(depth)}).`;
  if ((tm !== 4 && tm !== 8) || (tn !== 4 && tn !== 8)) {
    return `the thread tile must be 4 or 8 each way (got ${String(tm)} x ${String(tn)}).`;
  }
  for (const [name, v] of [
    ['m', m],
    ['n', n],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0 || v % SGEMM_BLOCK !== 0) {
      return `${name} must be a positive multiple of ${SGEMM_BLOCK} (got ${v}).`;
    }
  }
  if (!Number.isInteger(k) || k <= 0 || k % (2 * depth) !== 0) {
    return `k must be a positive multiple of ${2 * depth} at depth ${depth} (got ${k}).`;
  }
  const bytes = sgemmWorkgroupBytes(depth, tm, tn);
  if (bytes > limits.maxComputeWorkgroupStorageSize) {
    return `depth ${depth} needs ${bytes} bytes of workgroup memory; this device allows ${limits.maxComputeWorkgroupStorageSize}.`;
  }
  if (limits.maxComputeInvocationsPerWorkgroup < 256) {
    return 'the kernel needs 256 invocations per workgroup.';
  }
  const largest = 4 * Math.max(k * m, k * n, m * n);
  if (largest > limits.maxStorageBufferBindingSize) {
    return `a ${m} x ${n} x ${k} product needs a ${largest}-byte buffer; this device binds at most ${limits.maxStorageBufferBindingSize}.`;
  }
  if (n / (16 * tn) > limits.maxComputeWorkgroupsPerDimension) {
    return `n = ${n} needs more workgroups along x than this device allows.`;
  }
  if (m / (16 * tm) > limits.maxComputeWorkgroupsPerDimension) {
    return `m = ${m} needs more workgroups along y than this device allows.`;
  }
  return null;
}

/** The kernel's text with its constants prepended. */
export function sgemmSource(
  depth: SgemmDepth,
  tm: SgemmThreadTile = 8,
  tn: SgemmThreadTile = 8,
): string {
  const constants = { BK: depth, TM: tm, TN: tn, AW: 4 * tm, BW: 4 * tn };
  const lines = Object.entries(constants).map(([name, v]) => `const ${name}: u32 = ${v}u;`);
  return `${lines.join('\n')}\n${source}`;
}

export function createSgemmWork(device: GPUDevice, shape: SgemmShape): SgemmWork {
  requireDevice(device, 'createSgemmWork');
  const problem = sgemmShapeError(shape, device.limits);
  if (problem) throw new ShapeError(`sgemm: ${problem}`);
  const { m, n, k, depth } = shape;
  const tm = shape.tm ?? 8;
  const tn = shape.tn ?? 8;
  const label = `sgemm-ceiling m=${m} n=${n} k=${k} depth=${depth} tile=${tm}x${tn}`;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const uniform = device.createBuffer({
    label: `${label} shape`,
    size: 16,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(uniform, 0, new Uint32Array([m, n, k, 0]));
  const a = device.createBuffer({ label: `${label} a`, size: 4 * k * m, usage });
  const b = device.createBuffer({ label: `${label} b`, size: 4 * k * n, usage });
  const c = device.createBuffer({ label: `${label} c`, size: 4 * m * n, usage });
  const pipeline = getPipeline(
    device,
    `sgemm-ceiling-${depth}-${tm}x${tn}`,
    sgemmSource(depth, tm, tn),
  );
  const bindGroup = device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: [uniform, a, b, c].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  let destroyed = false;
  return {
    label,
    shape: { ...shape, tm, tn },
    flops: 2 * m * n * k,
    encode(encoder: GPUCommandEncoder, timestamps?: TimestampTarget) {
      const timestampWrites = passTimestamps(timestamps, 0, 1);
      const pass = encoder.beginComputePass(
        timestampWrites ? { label, timestampWrites } : { label },
      );
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(n / (16 * tn), m / (16 * tm));
      pass.end();
    },
    write(av: Float32Array, bv: Float32Array) {
      if (av.length !== k * m || bv.length !== k * n) {
        throw new ShapeError(
          `sgemm: a needs ${k * m} values and b ${k * n} (got ${av.length} and ${bv.length}).`,
        );
      }
      device.queue.writeBuffer(a, 0, av);
      device.queue.writeBuffer(b, 0, bv);
    },
    async compute(av: Float32Array, bv: Float32Array) {
      this.write(av, bv);
      device.queue.writeBuffer(c, 0, new Float32Array(m * n).fill(Number.NaN));
      const read = device.createBuffer({
        label: `${label} readback`,
        size: 4 * m * n,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      try {
        const encoder = device.createCommandEncoder({ label: `${label} compute` });
        this.encode(encoder);
        return await submitAndRead(device, encoder, c, read, 4 * m * n);
      } finally {
        read.destroy();
      }
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const buffer of [uniform, a, b, c]) buffer.destroy();
    },
  };
}

/**
 * C = A^T B in float64 on the CPU, for the rows listed (all when omitted): a [k][m], b [k][n].
 * Returns [rows.length][n], and beside it sum |a| |b| per element (the scale of the rounding).
 */
export function sgemmReference(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  rows: readonly number[] = Array.from({ length: m }, (_, i) => i),
): { c: Float64Array; scale: Float64Array } {
  const c = new Float64Array(rows.length * n);
  const scale = new Float64Array(rows.length * n);
  rows.forEach((row, r) => {
    for (let kk = 0; kk < k; kk++) {
      const x = a[kk * m + row]!;
      const ax = Math.abs(x);
      const bRow = kk * n;
      for (let j = 0; j < n; j++) {
        const y = b[bRow + j]!;
        c[r * n + j]! += x * y;
        scale[r * n + j]! += ax * Math.abs(y);
      }
    }
  });
  return { c, scale };
}

/**
 * The largest |gpu - reference| / scale over the listed rows (scale = sum |a| |b|, so the bound is
 * a few k eps32 whatever the signs), and how many elements were not finite.
 */
export function sgemmError(
  gpu: Float32Array,
  reference: { c: Float64Array; scale: Float64Array },
  n: number,
  rows: readonly number[],
): { maxRelError: number; nonFinite: number } {
  let maxRelError = 0;
  let nonFinite = 0;
  rows.forEach((row, r) => {
    for (let j = 0; j < n; j++) {
      const g = gpu[row * n + j]!;
      if (!Number.isFinite(g)) {
        nonFinite++;
        continue;
      }
      const e =
        Math.abs(g - reference.c[r * n + j]!) / Math.max(reference.scale[r * n + j]!, 1e-30);
      if (e > maxRelError) maxRelError = e;
    }
  });
  return { maxRelError, nonFinite };
}
