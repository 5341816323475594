/**
 * Chunked linear attention for training, ungated (linear-chunked) and gated (gated-chunked), with
 * the forward's feature map and normaliser. The forward is the form's own kernels
 * (forms/linear/chunked.ts), which keep their chunk states S_b, Z_b (and, gated, the cumulative
 * log-decays) for the backward:
 *   1. linear-backward-rows.wgsl               1 / den_i and dden_i per row (the normaliser);
 *   2. linear-backward-reverse-summaries.wgsl  what each chunk sends to earlier chunks;
 *   3. linear-backward-reverse-scan.wgsl       the reverse-direction state R_b (exclusive suffix);
 *   4. linear-backward-dq.wgsl                 dphi(q): forward state S_b plus the chunk's own pairs;
 *   5. linear-backward-dv.wgsl                 dv: reverse state R_b plus the chunk's own pairs;
 *   6. linear-backward-dk.wgsl                 dphi(k) likewise;
 *   7. linear-backward-finish.wgsl             dq, dk through phi', and dG_t = phi(q).dphi(q) - phi(k).dphi(k);
 *   8-9. linear-backward-dg-totals.wgsl, linear-backward-dg.wgsl (gated): dg_t = sum_{s>=t} dG_s.
 * Work O(T c d + T d^2) as the forward; memory two chunk-state buffers, O((T / c) d^2).
 */
import rowsSource from '../kernels/linear-backward-rows.wgsl?raw';
import commonSource from '../kernels/linear-backward-common.wgsl?raw';
import reverseSummariesSource from '../kernels/linear-backward-reverse-summaries.wgsl?raw';
import reverseScanSource from '../kernels/linear-backward-reverse-scan.wgsl?raw';
import columnsSource from '../kernels/linear-backward-columns.wgsl?raw';
import dqSource from '../kernels/linear-backward-dq.wgsl?raw';
import dvSource from '../kernels/linear-backward-dv.wgsl?raw';
import dkSource from '../kernels/linear-backward-dk.wgsl?raw';
import finishSource from '../kernels/linear-backward-finish.wgsl?raw';
import totalsSource from '../kernels/linear-backward-dg-totals.wgsl?raw';
import dgSource from '../kernels/linear-backward-dg.wgsl?raw';
import { CapacityError, ShapeError } from '../errors.ts';
import { formatCount } from '../format.ts';
import { getPipeline } from '../pipelines.ts';
import {
  CHUNK_PAIRS_WGSL,
  CHUNK_STATE_SCAN_WGSL,
  composeWgsl,
  FEATURE_MAP_WGSL,
  gateWgsl,
  GATE_BINDING,
  NORMALIZER_WGSL,
  ROW_THREADS_WGSL,
} from '../wgsl.ts';
import { DISPATCH_FLOP_BUDGET } from '../dispatch.ts';
import { createLinearChunkedWith } from '../forms/linear/chunked.ts';
import {
  FEATURE_MAP_CODES,
  normalizerConstants,
  type PlannedDispatch,
} from '../forms/linear/common.ts';
import type { AttentionShape, ResolvedOptions } from '../types.ts';
import {
  BACKWARD_TILE,
  BACKWARD_TILES_WGSL,
  planThreads,
  planTiles,
  type Bindings,
  type Owner,
} from './plan.ts';
import type { TrainingBuffers, TrainingPlan } from './types.ts';

/** A backward kernel's module: feature map, normaliser, gate, the shared pieces, the kernel. */
function module(source: string, gated: boolean, pieces: readonly string[]): string {
  return composeWgsl(
    FEATURE_MAP_WGSL,
    NORMALIZER_WGSL,
    gateWgsl(gated),
    commonSource,
    ...pieces,
    source,
  );
}

function codesFor(gated: boolean) {
  const tiles = [BACKWARD_TILES_WGSL];
  const columns = [BACKWARD_TILES_WGSL, columnsSource];
  return {
    rows: module(rowsSource, gated, tiles),
    reverseSummaries: module(reverseSummariesSource, gated, tiles),
    reverseScan: composeWgsl(gateWgsl(gated), CHUNK_STATE_SCAN_WGSL, reverseScanSource),
    dq: module(dqSource, gated, columns),
    dv: module(dvSource, gated, columns),
    dk: module(dkSource, gated, columns),
    finish: module(finishSource, gated, [ROW_THREADS_WGSL]),
  };
}
const codes = { ungated: codesFor(false), gated: codesFor(true) };

/** Chunk sizes the backward takes: one chunk per 64-row tile. */
export const BACKWARD_CHUNK_SIZES = [16, 32, 64] as const;

export function planLinearTraining(
  device: GPUDevice,
  owner: Owner,
  shape: AttentionShape,
  options: ResolvedOptions,
  buffers: TrainingBuffers,
  label: string,
): TrainingPlan {
  const gated = options.form === 'gated-chunked';
  const { heads: H, tokens: T, dim: d } = shape;
  if (options.chunkSize > BACKWARD_TILE) {
    throw new ShapeError(
      `The backward pass takes chunks of at most ${BACKWARD_TILE} tokens; ` +
        `chunk size ${options.chunkSize} was asked for.`,
    );
  }
  const chunkSize = options.chunkSize;
  const chunks = Math.ceil(T / chunkSize);
  const stateFloats = d * (d + 1);
  const stateBytes = 4 * H * chunks * stateFloats;
  const maxBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  if (stateBytes > maxBytes) {
    throw new CapacityError(
      `Training ${options.form} at T = ${formatCount(T)}, d = ${d}, H = ${H} keeps ` +
        `${formatCount(stateBytes)} bytes of chunk states for the backward pass; this GPU allows ` +
        `${formatCount(maxBytes)} bytes per buffer. Fewer heads per step need fewer.`,
      stateBytes,
      maxBytes,
    );
  }

  // The forward: the form's own kernels, keeping every head's chunk states in one buffer.
  let saved: { states: GPUBuffer; cum?: GPUBuffer; groupHeads: number } | undefined;
  const forward = createLinearChunkedWith(
    { maxStateBytes: maxBytes, keep: (s) => (saved = s) },
    gated,
  )({
    device,
    shape,
    options,
    q: buffers.q,
    k: buffers.k,
    v: buffers.v,
    out: buffers.out,
    ...(buffers.logDecay ? { logDecay: buffers.logDecay } : {}),
    createBuffer: owner.create,
    label: `${label} forward`,
  });
  if (!saved || saved.groupHeads !== H) {
    throw new Error(`${label}: the forward did not keep every head's chunk states.`);
  }
  const { states, cum } = saved;
  const gate: Record<number, GPUBuffer> = cum ? { [GATE_BINDING]: cum } : {};

  const code = gated ? codes.gated : codes.ungated;
  const featureMap = FEATURE_MAP_CODES[options.featureMap];
  const constants = {
    ...normalizerConstants(),
    D: d,
    FEATURE_MAP: featureMap,
    NORMALIZE: options.normalize ? 1 : 0,
  };
  const family = gated ? 'gated-backward' : 'linear-backward';
  const pipeline = (name: string, source: string, extra: Record<string, number> = constants) =>
    getPipeline(device, `${family}-${name}`, source, extra);
  const rowStats = owner.create({
    label: `${label} 1/den and dden`,
    size: 8 * H * T,
    usage: GPUBufferUsage.STORAGE,
  });
  const reverse = owner.create({
    label: `${label} reverse chunk states`,
    size: stateBytes,
    usage: GPUBufferUsage.STORAGE,
  });
  const carry = owner.create({
    label: `${label} reverse carry`,
    size: 4 * H * stateFloats,
    usage: GPUBufferUsage.STORAGE,
  });
  const dG = owner.create({
    label: `${label} dG`,
    size: 4 * H * T,
    usage: GPUBufferUsage.STORAGE,
  });
  const { q, k, v, out, dOut, dq, dk, dv } = buffers;
  const tileFlops = 2 * BACKWARD_TILE * BACKWARD_TILE * d;
  const chunkParams = (offset: number): number[] => [T, offset, chunks, chunkSize];
  const side = Math.ceil(d / 64);
  // One workgroup per (head, chunk), `products` tile products of d inner terms each.
  const perChunk = (name: 'rows' | 'dq' | 'dv' | 'dk', products: number, bindings: Bindings) =>
    planTiles(
      device,
      owner,
      pipeline(name, code[name]),
      `${label} ${name}`,
      H * chunks,
      () => products * tileFlops,
      chunkParams,
      { ...bindings, ...gate },
    );

  const backward: PlannedDispatch[] = [
    ...perChunk('rows', 1, { 1: q, 2: k, 3: out, 4: dOut, 5: states, 6: rowStats }),
    ...planTiles(
      device,
      owner,
      pipeline('reverse-summaries', code.reverseSummaries),
      `${label} reverse summaries`,
      H * chunks * side * side,
      () => 2 * BACKWARD_TILE ** 3,
      chunkParams,
      { 1: q, 2: dOut, 3: rowStats, 4: reverse, ...gate },
    ),
  ];
  // The reverse scan: chunk ranges from the end, each a bounded dispatch (8 bytes per step).
  const elements = H * stateFloats;
  const scan = pipeline('reverse-scan', code.reverseScan, { WORKGROUP: 256, STATE: stateFloats });
  const perDispatch = Math.max(1, Math.floor(DISPATCH_FLOP_BUDGET / 16 / elements));
  for (let end = chunks; end > 0; end -= perDispatch) {
    const begin = Math.max(0, end - perDispatch);
    backward.push(
      planThreads(
        device,
        owner,
        scan,
        `${label} reverse scan chunks ${begin}..${end}`,
        elements,
        256,
        [chunks, begin, end, elements, T, chunkSize, 0],
        { 1: reverse, 2: carry, ...gate },
      ),
    );
  }
  backward.push(
    ...perChunk('dq', 1 + 2 * side, { 1: k, 2: v, 3: dOut, 4: states, 5: rowStats, 6: dq }),
    ...perChunk('dv', 1 + 2 * side, { 1: q, 2: k, 3: dOut, 4: rowStats, 5: reverse, 6: dv }),
    ...perChunk('dk', 1 + 2 * side, { 1: q, 2: v, 3: dOut, 4: rowStats, 5: reverse, 6: dk }),
    planThreads(
      device,
      owner,
      pipeline('finish', code.finish, { D: d, FEATURE_MAP: featureMap }),
      `${label} finish`,
      H * T,
      64,
      [H * T],
      { 1: q, 2: k, 3: dq, 4: dk, 5: dG },
    ),
  );
  if (gated) {
    if (!buffers.dLogDecay) throw new Error(`${label}: a gated form needs dLogDecay.`);
    const totals = owner.create({
      label: `${label} dG chunk totals`,
      size: 4 * H * chunks,
      usage: GPUBufferUsage.STORAGE,
    });
    const pairs = H * chunks;
    const scanParams = [T, chunkSize, chunks, pairs];
    backward.push(
      planThreads(
        device,
        owner,
        getPipeline(
          device,
          'gated-backward-dg-totals',
          composeWgsl(CHUNK_PAIRS_WGSL, totalsSource),
        ),
        `${label} dG totals`,
        pairs,
        64,
        scanParams,
        { 1: dG, 2: totals },
      ),
      planThreads(
        device,
        owner,
        getPipeline(device, 'gated-backward-dg', composeWgsl(CHUNK_PAIRS_WGSL, dgSource)),
        `${label} dg`,
        pairs,
        64,
        scanParams,
        { 1: dG, 2: totals, 3: buffers.dLogDecay },
      ),
    );
  }
  return { forward: (encoder) => forward.encode(encoder), backward };
}
