/**
 * The fp32 rate a WGSL kernel reaches on this GPU through this stack (issue 10: is what keeps our
 * attention kernels from the native ones the kernels, or the path from WGSL to the card?).
 * src/gpu/sgemm-ceiling.ts's C = A^T B, square, at each size and depth: first checked on the card
 * against float64 (C poisoned with NaN, 16 sampled rows at the largest size), then timed in
 * rounds, sizes and depths interleaved (order rotated each round), the clock settled before each
 * point; a point is the median of its round medians, with the range of the round medians kept.
 * --tiles names the thread tiles (rows x columns per thread: 8x8 as dense products are tiled, 4x8
 * and 4x4 as our attention kernels' are), each timed at every depth.
 *   node sgemm-probe.mjs [--sizes 4096,8192] [--depths 8,16] [--tiles 8x8,4x8,4x4] [--rounds 3]
 *                        [--samples 5] [--budget-ms 3000] [--json FILE]
 * Exits 1 if a check fails (its depth is then not timed).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  createClockSettler,
  describeSettles,
  type ClockSettleResult,
} from '../gpu/clock-settle.ts';
import {
  createSgemmWork,
  sgemmError,
  sgemmReference,
  sgemmShapeError,
  type SgemmDepth,
  type SgemmThreadTile,
  type SgemmWork,
} from '../gpu/sgemm-ceiling.ts';
import { rotate } from '../gpu/rounds.ts';
import { quantileSorted } from '../gpu/stats.ts';
import { randomInputs } from '../gpu/sweep/inputs.ts';
import { detectClock, measureWork } from '../gpu/timing.ts';
import { probeDevice } from './probe-device.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '4096,8192' },
    depths: { type: 'string', default: '8,16' },
    tiles: { type: 'string', default: '8x8' },
    rounds: { type: 'string', default: '3' },
    samples: { type: 'string', default: '5' },
    'budget-ms': { type: 'string', default: '3000' },
    json: { type: 'string' },
  },
});

const say = (line: string): void => console.log(line);
const list = (s: string): number[] => s.split(',').map((x) => Number(x.trim()));
const sizes = list(values.sizes);
const depths = list(values.depths) as SgemmDepth[];
const tiles = values.tiles.split(',').map((t) => {
  const [tm, tn] = t.split('x').map(Number);
  return { tm: tm as SgemmThreadTile, tn: tn as SgemmThreadTile };
});
/** A variant: a depth and a thread tile. */
interface Variant {
  depth: SgemmDepth;
  tm: SgemmThreadTile;
  tn: SgemmThreadTile;
}
const variants: Variant[] = depths.flatMap((depth) => tiles.map((t) => ({ depth, ...t })));
const nameOf = (v: Variant): string => `depth ${v.depth} ${v.tm}x${v.tn}`;
const rounds = Math.max(1, Number(values.rounds));
const samples = Math.max(1, Number(values.samples));
const budgetMs = Math.max(100, Number(values['budget-ms']));

const ready = await probeDevice(say);
const { device } = ready;
say(`adapter ${ready.info.name}; DAWN_FLAGS="${process.env.DAWN_FLAGS ?? ''}"`);
const clockInfo = await detectClock(device);
say(`clock: ${clockInfo.clock}, resolution ${clockInfo.resolutionMs} ms`);

/** 16 rows of C: both ends, both sides of block boundaries, and random ones. */
function sampledRows(m: number): number[] {
  const edges = [0, 1, 127, 128, m / 2 - 1, m / 2, m - 129, m - 128, m - 2, m - 1];
  const rows = new Set(edges.filter((r) => r >= 0 && r < m));
  while (rows.size < Math.min(16, m)) rows.add(Math.floor(Math.random() * m));
  return [...rows].sort((x, y) => x - y);
}

interface Check extends Variant {
  size: number;
  rows: number;
  maxRelError: number;
  nonFinite: number;
  ok: boolean;
}

const checks: Check[] = [];
const largest = Math.max(...sizes);
let failed = false;
const passing: Variant[] = [];
for (const variant of variants) {
  const shape = { m: largest, n: largest, k: largest, ...variant };
  const problem = sgemmShapeError(shape, device.limits);
  if (problem) {
    say(`${nameOf(variant)}: ${problem}`);
    continue;
  }
  const work = createSgemmWork(device, shape);
  try {
    const a = randomInputs(largest * largest);
    const b = randomInputs(largest * largest);
    const c = await work.compute(a, b);
    const rows = sampledRows(largest);
    const result = sgemmError(
      c,
      sgemmReference(a, b, largest, largest, largest, rows),
      largest,
      rows,
    );
    // Relative to sum |a| |b|; fp32 accumulation over k terms stays below k eps32 by far.
    const ok = result.nonFinite === 0 && result.maxRelError < largest * 2 ** -24;
    checks.push({ ...variant, size: largest, rows: rows.length, ...result, ok });
    say(
      `verify ${nameOf(variant)}, ${largest}^3, ${rows.length} sampled rows: max rel error ${result.maxRelError.toExponential(2)}, non-finite ${result.nonFinite}: ${ok ? 'ok' : 'FAILED'}`,
    );
    if (ok) passing.push(variant);
    else failed = true;
  } finally {
    work.destroy();
  }
}

interface Point extends Variant {
  size: number;
  roundsMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  tflops: number;
}

const works = new Map<string, SgemmWork>();
const keyOf = (v: Variant, size: number): string => `${nameOf(v)}/${size}`;
const order: Array<{ variant: Variant; size: number }> = [];
for (const size of sizes) {
  for (const variant of passing) {
    const shape = { m: size, n: size, k: size, ...variant };
    if (sgemmShapeError(shape, device.limits)) continue;
    const work = createSgemmWork(device, shape);
    work.write(randomInputs(size * size), randomInputs(size * size));
    works.set(keyOf(variant, size), work);
    order.push({ variant, size });
  }
}
const roundsMs = new Map<string, number[]>();
const settler = await createClockSettler(device, clockInfo);
const settles: ClockSettleResult[] = [];
for (let r = 0; r < rounds; r++) {
  for (const { variant, size } of rotate(order, r)) {
    settles.push(await settler.settle());
    const key = keyOf(variant, size);
    const m = await measureWork(device, works.get(key)!, { clockInfo, samples, budgetMs });
    roundsMs.set(key, [...(roundsMs.get(key) ?? []), m.medianMs]);
  }
}
settler.destroy();
say(describeSettles(settles));

const points: Point[] = order.map(({ variant, size }) => {
  const ms = roundsMs.get(keyOf(variant, size)) ?? [];
  const sorted = [...ms].sort((x, y) => x - y);
  const medianMs = quantileSorted(sorted, 0.5);
  const flops = 2 * size ** 3;
  return {
    ...variant,
    size,
    roundsMs: ms,
    medianMs,
    minMs: sorted[0]!,
    maxMs: sorted[sorted.length - 1]!,
    tflops: flops / (medianMs * 1e-3) / 1e12,
  };
});
for (const p of points) {
  say(
    `sgemm ${nameOf(p)} ${p.size}^3: ${p.medianMs.toFixed(3)} ms (rounds ${p.minMs.toFixed(3)}-${p.maxMs.toFixed(3)}), ${p.tflops.toFixed(1)} TFLOP/s`,
  );
}
for (const work of works.values()) work.destroy();

if (values.json) {
  writeFileSync(
    values.json,
    JSON.stringify(
      {
        format: 'linear-attention-live/sgemm-ceiling',
        version: 1,
        date: new Date().toISOString(),
        adapter: ready.info,
        dawnFlags: process.env.DAWN_FLAGS ?? null,
        clock: clockInfo.clock,
        clockResolutionMs: clockInfo.resolutionMs,
        rounds,
        samples,
        budgetMs,
        checks,
        points,
        errors: ready.errors,
      },
      null,
      2,
    ),
  );
}
if (ready.errors.length > 0) {
  say(`uncaptured errors: ${ready.errors.join(' | ')}`);
  failed = true;
}
process.exit(failed ? 1 : 0);
