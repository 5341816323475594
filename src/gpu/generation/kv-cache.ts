/**
 * Softmax generation with a KV cache: each step appends the new token's k and v and attends its q
 * over every cached token (kernels/decode-kv-cache.wgsl in splits of SPLIT positions, then
 * decode-kv-cache-combine.wgsl). The work per token grows with the position: O(t d) per head.
 */
import { formatBytes, formatCount } from '../format.ts';
import { perBufferLimit } from '../limits.ts';
import { CapacityError, ShapeError } from '../errors.ts';
import { passTimestamps } from '../forms/form.ts';
import { f32Bits } from '../dispatch.ts';
import combineSource from '../kernels/decode-kv-cache-combine.wgsl?raw';
import { composeWgsl, WORKGROUP_REDUCE_WGSL } from '../wgsl.ts';
import splitSource from '../kernels/decode-kv-cache.wgsl?raw';
import { getPipeline } from '../pipelines.ts';
import type { DecodeShape, Decoder, GpuWork, TimestampTarget } from '../types.ts';
import { validateToken } from '../validate.ts';
import { submitAndRead } from '../readback.ts';

/**
 * Threads per workgroup (both kernels; at least D) and cached positions per split; feeds the WGSL
 * and the grid. 1,024 positions per split keeps a 131,072-token cache at 128 splits per head.
 */
export const KV_DECODE_TILES = { WG: 256, SPLIT: 1024 } as const;

/** Splits a cache of `tokens` positions is cut into. */
export function kvSplits(tokens: number): number {
  return Math.ceil(tokens / KV_DECODE_TILES.SPLIT);
}

interface KvCore {
  label: string;
  q: GPUBuffer;
  kc: GPUBuffer;
  vc: GPUBuffer;
  out: GPUBuffer;
  /** Sets how many cached tokens (including the new one) the next encode attends over. */
  setTokens(tokens: number): void;
  encode(encoder: GPUCommandEncoder, timestamps?: TimestampTarget): void;
  destroy(): void;
}

function createKvCore(
  device: GPUDevice,
  heads: number,
  dim: number,
  capacity: number,
  label: string,
): KvCore {
  const cacheBytes = heads * capacity * dim * 4;
  const limit = perBufferLimit(device.limits);
  if (cacheBytes > limit) {
    throw new CapacityError(
      `A KV cache of ${formatCount(capacity)} tokens x ${heads} heads x d = ${dim} needs ` +
        `${formatBytes(cacheBytes)} for the keys; this GPU allows ` +
        `${formatBytes(limit)} per buffer.`,
      cacheBytes,
      limit,
    );
  }
  const { WG, SPLIT } = KV_DECODE_TILES;
  const maxSplits = kvSplits(capacity);
  const splitPipeline = getPipeline(
    device,
    'decode/kv-cache',
    composeWgsl(splitSource, WORKGROUP_REDUCE_WGSL),
    { D: dim, WG, SPLIT },
  );
  const combinePipeline = getPipeline(
    device,
    'decode/kv-cache-combine',
    composeWgsl(combineSource, WORKGROUP_REDUCE_WGSL),
    {
      D: dim,
      WG,
    },
  );
  const buffers: GPUBuffer[] = [];
  const make = (name: string, size: number, usage: number): GPUBuffer => {
    const buffer = device.createBuffer({ label: `${label} ${name}`, size, usage });
    buffers.push(buffer);
    return buffer;
  };
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const q = make('q', heads * dim * 4, storage);
  const kc = make('k cache', cacheBytes, storage);
  const vc = make('v cache', cacheBytes, storage);
  const partials = make('partials', heads * maxSplits * (dim + 2) * 4, GPUBufferUsage.STORAGE);
  const out = make('out', heads * dim * 4, storage);
  const uniform = make('params', 32, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const splitGroup = device.createBindGroup({
    label: `${label} split`,
    layout: splitPipeline.getBindGroupLayout(0),
    entries: [uniform, q, kc, vc, partials].map((buffer, binding) => ({
      binding,
      resource: { buffer },
    })),
  });
  const combineGroup = device.createBindGroup({
    label: `${label} combine`,
    layout: combinePipeline.getBindGroupLayout(0),
    entries: [uniform, partials, out].map((buffer, binding) => ({
      binding,
      resource: { buffer },
    })),
  });
  let tokens = 1;
  let destroyed = false;
  return {
    label,
    q,
    kc,
    vc,
    out,
    setTokens(t) {
      tokens = t;
      const params = [t, capacity, kvSplits(t), maxSplits, f32Bits(1 / Math.sqrt(dim)), 0, 0, 0];
      device.queue.writeBuffer(uniform, 0, new Uint32Array(params));
    },
    encode(encoder, timestamps) {
      const split = encoder.beginComputePass({
        label: `${label} split`,
        timestampWrites: passTimestamps(timestamps, 0, 2),
      });
      split.setPipeline(splitPipeline);
      split.setBindGroup(0, splitGroup);
      split.dispatchWorkgroups(kvSplits(tokens), heads);
      split.end();
      const combine = encoder.beginComputePass({
        label: `${label} combine`,
        timestampWrites: passTimestamps(timestamps, 1, 2),
      });
      combine.setPipeline(combinePipeline);
      combine.setBindGroup(0, combineGroup);
      combine.dispatchWorkgroups(heads);
      combine.end();
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const buffer of buffers) buffer.destroy();
    },
  };
}

/**
 * A softmax decoder holding up to `capacity` tokens: `step(q, k, v)` (each [heads][dim]) appends
 * k and v and returns softmax attention of q over all cached tokens, itself included.
 */
export function createKvCacheDecoder(
  device: GPUDevice,
  shape: DecodeShape,
  capacity: number,
): Decoder {
  const { heads, dim } = shape;
  const label = `decode/kv-cache H=${heads} d=${dim} capacity=${capacity}`;
  const core = createKvCore(device, heads, dim, capacity, label);
  const staging = device.createBuffer({
    label: `${label} readback`,
    size: heads * dim * 4,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  let position = 0;
  let destroyed = false;
  return {
    shape,
    get position() {
      return position;
    },
    async step(q, k, v) {
      if (destroyed) throw new ShapeError(`${label}: step after destroy().`);
      validateToken({ q, k, v }, heads, dim);
      if (position >= capacity) {
        throw new CapacityError(
          `The KV cache is full: it holds ${formatCount(capacity)} tokens.`,
          (position + 1) * heads * dim * 4,
          capacity * heads * dim * 4,
        );
      }
      for (let h = 0; h < heads; h++) {
        const slot = (h * capacity + position) * dim * 4;
        device.queue.writeBuffer(core.kc, slot, k, h * dim, dim);
        device.queue.writeBuffer(core.vc, slot, v, h * dim, dim);
      }
      device.queue.writeBuffer(core.q, 0, q);
      position += 1;
      core.setTokens(position);
      const encoder = device.createCommandEncoder({ label: `${label} step` });
      core.encode(encoder);
      return submitAndRead(device, encoder, core.out, staging, heads * dim * 4);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      core.destroy();
      staging.destroy();
    },
  };
}

/**
 * One new token's softmax output against a cache holding `position` earlier tokens (random
 * contents), as GpuWork for per-token timing: FLOPs 4 d (position + 1) per head.
 */
export function createKvCacheDecodeWork(
  device: GPUDevice,
  shape: { heads: number; dim: number; position: number },
): GpuWork {
  const { heads, dim, position } = shape;
  const tokens = position + 1;
  const label = `decode/kv-cache H=${heads} d=${dim} position=${position}`;
  const core = createKvCore(device, heads, dim, tokens, label);
  const perHead = tokens * dim;
  const random = new Float32Array(perHead);
  for (let i = 0; i < perHead; i++) random[i] = Math.random() * 2 - 1;
  for (let h = 0; h < heads; h++) {
    device.queue.writeBuffer(core.kc, h * perHead * 4, random);
    device.queue.writeBuffer(core.vc, h * perHead * 4, random.reverse());
  }
  device.queue.writeBuffer(
    core.q,
    0,
    Float32Array.from({ length: heads * dim }, () => Math.random() * 2 - 1),
  );
  core.setTokens(tokens);
  return {
    label,
    flops: 4 * dim * tokens * heads,
    encode: (encoder, timestamps) => core.encode(encoder, timestamps),
    destroy: () => core.destroy(),
  };
}
