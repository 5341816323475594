/**
 * The f16 / tensor-core exploration on a GPU machine (issue 10), one Node program:
 *   1. what the adapter offers (features, subgroup sizes, subgroup-matrix configurations);
 *   2. whether softmax-flash-f16-mma's module compiles there (every message printed);
 *   3. its outputs against the float64 reference and the derived f16 bound (forms/f16/accuracy.ts):
 *      all rows at small T, sampled rows at long T, the chunked walk, f16-exact and raw inputs;
 *   4. interleaved timing rounds of fp32 softmax-flash against the f16 kernel, median and spread.
 * Each step reports its own failure and the program goes on. Dawn flags come from DAWN_FLAGS
 * (src/node/dawn.ts); on the H200: enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia.
 *   node f16-probe.mjs [--json FILE] [--tokens 4096,16384,65536] [--dims 64,128] [--rounds 3]
 *                      [--verify-tokens 16384] [--budget-s 80]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createResidentAttention } from '../gpu/attention.ts';
import { FORM_FACTORIES } from '../gpu/forms/index.ts';
import { detectClock, measureWork } from '../gpu/timing.ts';
import { probeDevice } from './probe-device.ts';
import {
  createF16MmaKernel,
  f16MmaSource,
  f16MmaUnsupported,
  planF16MmaTiles,
  type F16MmaMode,
  type SubgroupIndex,
} from '../gpu/forms/f16/flash-f16.ts';
import { checkF16Softmax, roundArrayToF16, type F16Check } from '../gpu/forms/f16/accuracy.ts';
import type { AttentionProblem, ResidentAttention } from '../gpu/types.ts';
import type { FormFactory } from '../gpu/forms/form.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    tokens: { type: 'string', default: '4096,16384,65536' },
    dims: { type: 'string', default: '64,128' },
    rounds: { type: 'string', default: '3' },
    'verify-tokens': { type: 'string', default: '16384' },
    'budget-s': { type: 'string', default: '80' },
    emulate: { type: 'boolean', default: false },
    'skip-verify': { type: 'boolean', default: false },
  },
});
const started = performance.now();
const budgetMs = Number(values['budget-s']) * 1000;
const left = () => budgetMs - (performance.now() - started);
const report: Record<string, unknown> = { date: new Date().toISOString(), steps: [] };
const steps = report.steps as unknown[];
const say = (line: string) => console.log(line);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function random(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.random() * 2 - 1;
  return out;
}

function problemOf(heads: number, tokens: number, dim: number, exact: boolean): AttentionProblem {
  const n = heads * tokens * dim;
  const [q, k, v] = [random(n), random(n), random(n)];
  if (!exact) return { heads, tokens, dim, q, k, v };
  return {
    heads,
    tokens,
    dim,
    q: roundArrayToF16(q),
    k: roundArrayToF16(k),
    v: roundArrayToF16(v),
  };
}

/** A resident of softmax-flash made by `factory` (the f16 kernel, or the fp32 one when null). */
async function residentWith(
  device: GPUDevice,
  shape: { heads: number; tokens: number; dim: number },
  factory: FormFactory | null,
): Promise<ResidentAttention> {
  const saved = FORM_FACTORIES['softmax-flash'];
  if (factory) FORM_FACTORIES['softmax-flash'] = factory;
  try {
    return await createResidentAttention(device, shape, { form: 'softmax-flash' });
  } finally {
    FORM_FACTORIES['softmax-flash'] = saved;
  }
}

const ready = await probeDevice(say);
const { errors } = ready;
const { device, adapter } = ready;
const info = adapter.info as GPUAdapterInfo & { subgroupMatrixConfigs?: unknown[] };
const probe = {
  flags: process.env.DAWN_FLAGS ?? '',
  adapter: ready.info,
  adapterFeatures: [...adapter.features].map(String).sort(),
  deviceFeatures: ready.features,
  subgroupMinSize: info.subgroupMinSize,
  subgroupMaxSize: info.subgroupMaxSize,
  subgroupMatrixConfigs: (info.subgroupMatrixConfigs ?? []).map((c) => {
    const x = c as Record<string, unknown>;
    return {
      componentType: x.componentType,
      resultComponentType: x.resultComponentType,
      M: x.M,
      N: x.N,
      K: x.K,
      keys: Object.keys(x).concat(Object.getOwnPropertyNames(Object.getPrototypeOf(x) ?? {})),
    };
  }),
  maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
};
report.probe = probe;
say(`adapter ${ready.info.name} (${ready.info.device}); DAWN_FLAGS="${probe.flags}"`);
say(`device features: ${ready.features.join(' ')}`);
say(
  `subgroups ${probe.subgroupMinSize}-${probe.subgroupMaxSize}; matrix configs: ` +
    (probe.subgroupMatrixConfigs as Record<string, unknown>[])
      .map((c) => `${c.componentType}->${c.resultComponentType} ${c.M}x${c.N}x${c.K}`)
      .join(', ') +
    ` (fields: ${((probe.subgroupMatrixConfigs[0] as { keys?: string[] } | undefined)?.keys ?? []).join(' ')})`,
);
const mode: F16MmaMode = values.emulate ? 'emulated' : 'native';
const why = mode === 'native' ? f16MmaUnsupported(device) : null;
if (why) say(`f16-mma unavailable: ${why}`);

// 2. Compile the module alone, with every message: one subgroup per workgroup (offsets the
// uniformity analysis accepts), and four subgroups found by the subgroup_id builtin.
const compiledOk: Record<string, boolean> = {};
const variants: SubgroupIndex[] = mode === 'native' ? ['single', 'subgroup-id'] : ['single'];
for (const [dim, subgroupIndex] of values.dims
  .split(',')
  .map(Number)
  .flatMap((d) => variants.map((v) => [d, v] as const))) {
  if (why) break;
  const tiles = planF16MmaTiles(
    dim,
    device.limits.maxComputeWorkgroupStorageSize,
    device.limits.maxComputeInvocationsPerWorkgroup,
    mode === 'native' ? info.subgroupMaxSize : 32,
    mode === 'native' ? 2 : 4,
    subgroupIndex === 'single' && mode === 'native' ? 1 : 4,
  );
  const step: Record<string, unknown> = { step: 'compile', dim, subgroupIndex, tiles };
  steps.push(step);
  if (!tiles) {
    step.error = 'no tiles';
    say(`compile d=${dim}: no tiles fit`);
    continue;
  }
  try {
    device.pushErrorScope('validation');
    const module = device.createShaderModule({
      code: f16MmaSource(dim, tiles, mode, undefined, subgroupIndex),
    });
    const compiled = await module.getCompilationInfo();
    const pipe = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    void pipe;
    const err = await device.popErrorScope();
    step.messages = compiled.messages.map(
      (m) => `${m.type} ${m.lineNum}:${m.linePos} ${m.message.slice(0, 300)}`,
    );
    const serious = compiled.messages.filter((m) => m.type === 'error');
    step.error = err ? err.message.slice(0, 3000) : null;
    compiledOk[`${subgroupIndex} ${dim}`] = !err;
    say(
      `compile ${subgroupIndex} d=${dim} NS=${tiles.NS} BC=${tiles.BC}: ${err ? 'ERROR' : 'ok'}` +
        ` (${compiled.messages.length} messages${serious.length ? ': ' + serious.map((m) => `${m.lineNum}:${m.linePos} ${m.message.slice(0, 200)}`).join(' | ') : ''})`,
    );
  } catch (e) {
    step.error = message(e);
    say(`compile d=${dim}: threw ${message(e)}`);
  }
}

// 2b. One 16 x 16 x 16 product on known data, run and compared with the CPU: C = A B where A is
// loaded row-major from workgroup memory and B column-major (as the kernel loads K^T), stored
// row-major to workgroup memory then copied out. Also compiled without the uniformity diagnostic
// turned off, to see whether it is needed.
type MicroKind = 'zero' | 'subgroup-id' | 'broadcast';
// zero: one subgroup per workgroup, offsets from constants; subgroup-id: two subgroups, offset
// from the subgroup_id builtin; broadcast: from subgroupBroadcastFirst(lid / size).
const MICRO = (kind: MicroKind) => `enable f16;
${kind === 'zero' ? '' : 'enable subgroups;'}
enable chromium_experimental_subgroup_matrix;
diagnostic(off, chromium_experimental.subgroup_matrix_uniformity);
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
var<workgroup> a: array<f16, 512>;
var<workgroup> b: array<f16, 512>;
var<workgroup> c: array<f32, 512>;
@compute @workgroup_size(${kind === 'zero' ? 32 : 64})
fn main(@builtin(local_invocation_index) lid: u32${kind === 'subgroup-id' ? ', @builtin(subgroup_id) sgid: u32' : ''}) {
  for (var e = lid; e < 512u; e += ${kind === 'zero' ? 32 : 64}u) {
    a[e] = f16(src[e]);
    b[e] = f16(src[512u + e]);
  }
  workgroupBarrier();
  let sg = ${kind === 'zero' ? '0u' : kind === 'subgroup-id' ? 'sgid' : `subgroupBroadcastFirst(lid / ${info.subgroupMaxSize ?? 32}u)`};
  var l: array<subgroup_matrix_left<f16, 16, 16>, 2>;
  l[0] = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>>(&a, sg * 256u, false, 16u);
  let r = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>>(&b, sg * 256u, true, 16u);
  var acc = subgroup_matrix_result<f32, 16, 16>();
  acc = subgroupMatrixMultiplyAccumulate(l[0], r, acc);
  subgroupMatrixStore(&c, sg * 256u, acc, false, 16u);
  workgroupBarrier();
  for (var e = lid; e < 512u; e += ${kind === 'zero' ? 32 : 64}u) {
    dst[e] = c[e];
  }
}`;
const microCompiled: Record<string, boolean> = {};
async function micro() {
  const step: Record<string, unknown> = { step: 'micro' };
  steps.push(step);
  for (const kind of ['zero', 'subgroup-id', 'broadcast'] as MicroKind[]) {
    try {
      device.pushErrorScope('validation');
      const module = device.createShaderModule({ code: MICRO(kind) });
      const compiled = await module.getCompilationInfo();
      const pipeline = device.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
      });
      const err = await device.popErrorScope();
      const msgs = compiled.messages
        .filter((m) => m.type !== 'warning')
        .map((m) => `${m.type}: ${m.message.slice(0, 160)}`);
      const entry: Record<string, unknown> = { error: err?.message ?? null, msgs };
      step[kind] = entry;
      microCompiled[kind] = !err;
      say(
        `micro ${kind}: ${err ? 'ERROR' : 'compiled'}` +
          (msgs.length ? ` [${msgs.join(' | ').slice(0, 300)}]` : ''),
      );
      if (err) continue;
      const subgroups = kind === 'zero' ? 1 : 2;
      const data = new Float32Array(1024);
      for (let i = 0; i < 1024; i++) data[i] = Math.round((Math.random() * 2 - 1) * 8) / 8;
      const srcBuf = device.createBuffer({
        size: 4096,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      const dst = device.createBuffer({
        size: 2048,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
      const back = device.createBuffer({
        size: 2048,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(srcBuf, 0, data);
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(
        0,
        device.createBindGroup({
          layout: pipeline.getBindGroupLayout(0),
          entries: [
            { binding: 0, resource: { buffer: srcBuf } },
            { binding: 1, resource: { buffer: dst } },
          ],
        }),
      );
      pass.dispatchWorkgroups(1);
      pass.end();
      enc.copyBufferToBuffer(dst, 0, back, 0, 2048);
      device.queue.submit([enc.finish()]);
      await back.mapAsync(GPUMapMode.READ);
      const got = new Float32Array(back.getMappedRange().slice(0));
      back.unmap();
      let worst = 0;
      let worstT = 0;
      for (let sgi = 0; sgi < subgroups; sgi++) {
        for (let i = 0; i < 16; i++) {
          for (let j = 0; j < 16; j++) {
            let x = 0;
            let t = 0;
            for (let m = 0; m < 16; m++) {
              // B column-major: element (m, j) at j * 16 + m.
              x += data[sgi * 256 + i * 16 + m]! * data[512 + sgi * 256 + j * 16 + m]!;
              t += data[sgi * 256 + i * 16 + m]! * data[512 + sgi * 256 + m * 16 + j]!;
            }
            worst = Math.max(worst, Math.abs(got[sgi * 256 + i * 16 + j]! - x));
            worstT = Math.max(worstT, Math.abs(got[sgi * 256 + i * 16 + j]! - t));
          }
        }
      }
      entry.maxError = worst;
      entry.maxErrorIfRowMajor = worstT;
      say(
        `micro ${kind} run (${subgroups} subgroup${subgroups > 1 ? 's' : ''}): max |C - A B| ` +
          `${worst.toExponential(2)} (exact: 0); against B read row-major ${worstT.toExponential(2)}`,
      );
      srcBuf.destroy();
      dst.destroy();
      back.destroy();
    } catch (e) {
      step[`${kind}Error`] = message(e);
      say(`micro ${kind}: threw ${message(e)}`);
    }
  }
}
if (device.features.has('chromium-experimental-subgroup-matrix' as GPUFeatureName)) await micro();

const failedVariants = new Set<string>();
const f16Factory: FormFactory = (ctx) => createF16MmaKernel(ctx, { mode });

// 3. Accuracy.
async function verify(
  tokens: number,
  dim: number,
  check: F16Check,
  rows: number[] | undefined,
  chunkTiles?: number,
  kernelMode: F16MmaMode = mode,
  subgroupIndex: SubgroupIndex = 'single',
) {
  const heads = 2;
  const step: Record<string, unknown> = {
    step: 'verify',
    mode: kernelMode,
    subgroupIndex,
    tokens,
    dim,
    check,
    chunkTiles,
  };
  steps.push(step);
  let resident: ResidentAttention | null = null;
  try {
    const problem = problemOf(heads, tokens, dim, check === 'exact-inputs');
    const factory: FormFactory = (ctx) =>
      createF16MmaKernel(ctx, {
        mode: kernelMode,
        subgroupIndex,
        ...(chunkTiles ? { chunkTiles } : {}),
      });
    resident = await residentWith(device, { heads, tokens, dim }, factory);
    resident.write(problem.q, problem.k, problem.v);
    await resident.run();
    const out = await resident.read();
    const result = checkF16Softmax(problem, out, check, rows);
    Object.assign(step, result, { ok: result.worstRatio <= 1 });
    if (result.worstRatio > 1 || result.nonFinite > 0)
      failedVariants.add(`${kernelMode} ${subgroupIndex}`);
    say(
      `verify ${kernelMode}${subgroupIndex === 'single' ? '' : ' ' + subgroupIndex} d=${dim} T=${tokens}${rows ? ` (${rows.length} rows)` : ''}${chunkTiles ? ` chunks of ${chunkTiles} tiles` : ''} ${check}: ` +
        `max err ${result.maxError.toExponential(2)} (max |y| ${result.maxReference.toFixed(2)}), ` +
        `worst err/bound ${result.worstRatio.toFixed(3)}${result.nonFinite ? `, ${result.nonFinite} non-finite` : ''} ` +
        (result.worstRatio <= 1 ? 'ok' : 'FAIL'),
    );
  } catch (e) {
    step.error = message(e);
    failedVariants.add(`${kernelMode} ${subgroupIndex}`);
    say(`verify ${kernelMode} d=${dim} T=${tokens} ${check}: ERROR ${message(e).slice(0, 600)}`);
  } finally {
    resident?.destroy();
  }
}

function sampledRows(tokens: number, count: number): number[] {
  const rows = new Set<number>([0, 1, 15, 16, 63, 64, tokens - 1]);
  while (rows.size < count) rows.add(Math.floor(Math.random() * tokens));
  return [...rows].filter((r) => r < tokens).sort((a, b) => a - b);
}

const plainOk = !values.emulate && device.features.has('shader-f16');
if (!why && !values['skip-verify']) {
  for (const dim of values.dims.split(',').map(Number)) {
    await verify(200, dim, 'exact-inputs', undefined);
    await verify(200, dim, 'raw-inputs', undefined);
  }
  await verify(1000, 64, 'exact-inputs', undefined);
  await verify(1000, 64, 'exact-inputs', undefined, 3);
  for (const T of values['verify-tokens'].split(',').filter(Boolean).map(Number)) {
    await verify(T, 64, 'exact-inputs', sampledRows(T, 24));
    await verify(T, 64, 'raw-inputs', sampledRows(T, 12), 8);
  }
  if (compiledOk['subgroup-id 64']) {
    await verify(200, 64, 'raw-inputs', undefined, undefined, 'native', 'subgroup-id');
    await verify(1000, 64, 'exact-inputs', undefined, 3, 'native', 'subgroup-id');
    await verify(
      16384,
      64,
      'exact-inputs',
      sampledRows(16384, 12),
      undefined,
      'native',
      'subgroup-id',
    );
  }
  if (plainOk) {
    await verify(200, 64, 'raw-inputs', undefined, undefined, 'lanes');
    await verify(1000, 64, 'exact-inputs', undefined, 3, 'lanes');
  }
  if (errors.length) say(`uncaptured errors so far: ${errors.slice(0, 3).join(' | ')}`);
}

// 4. Timing: rounds; in each, every length and every kernel once (interleaved).
const clockInfo = await detectClock(device);
const timing: Record<string, unknown>[] = [];
report.timing = timing;
const rounds = Number(values.rounds);
const lengths = values.tokens.split(',').map(Number);
const dims = values.dims.split(',').map(Number);
const kernels: [string, FormFactory | null][] = [['softmax-flash fp32', null]];
if (!why) kernels.push(['softmax-flash-f16-mma', f16Factory]);
if (!why && compiledOk['subgroup-id 64'] && !failedVariants.has('native subgroup-id')) {
  kernels.push([
    'softmax-flash-f16-mma subgroup_id NS=4',
    (ctx) => createF16MmaKernel(ctx, { mode, subgroupIndex: 'subgroup-id' }),
  ]);
}
if (plainOk) {
  kernels.push(['softmax-flash-f16 (plain)', (ctx) => createF16MmaKernel(ctx, { mode: 'lanes' })]);
}
const residents = new Map<string, ResidentAttention | string>();
const heads = 12;
outer: for (let round = 0; round < rounds; round++) {
  for (const dim of dims) {
    for (const tokens of lengths) {
      if (dim !== 64 && tokens > 16384) continue;
      for (const [name, factory] of kernels) {
        // The plain variant is timed up to 16,384 tokens (its speed is not the tensor cores').
        if (name.includes('plain') && tokens > 16384) continue;
        if (left() < 5000) {
          say(`time budget spent: stopped in round ${round}`);
          break outer;
        }
        const key = `${name} d=${dim} T=${tokens}`;
        let resident = residents.get(key);
        if (resident === undefined) {
          try {
            resident = await residentWith(device, { heads, tokens, dim }, factory);
            const n = heads * tokens * dim;
            resident.write(random(n), random(n), random(n));
          } catch (e) {
            resident = message(e);
            say(`${key}: ERROR ${resident.slice(0, 300)}`);
          }
          residents.set(key, resident);
        }
        if (typeof resident === 'string') continue;
        try {
          const m = await measureWork(device, resident, {
            clockInfo,
            samples: 5,
            minSamples: 3,
            warmupRuns: round === 0 ? 2 : 1,
            budgetMs: Math.min(4000, left() - 3000),
          });
          timing.push({
            round,
            name,
            dim,
            tokens,
            heads,
            medianMs: m.medianMs,
            flops: resident.flops,
          });
        } catch (e) {
          timing.push({ round, name, dim, tokens, heads, error: message(e) });
          say(`${key} round ${round}: ERROR ${message(e).slice(0, 300)}`);
        }
      }
    }
  }
}
for (const r of residents.values()) if (typeof r !== 'string') r.destroy();

// The table: median over rounds (and min-max of the round medians), TFLOP/s at the median.
const table: string[] = [
  '| d | T | kernel | median ms (rounds min-max) | TFLOP/s | vs fp32 |',
  '|---|---|---|---|---|---|',
];
const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};
const summary: Record<string, unknown>[] = [];
report.summary = summary;
for (const dim of dims) {
  for (const tokens of lengths) {
    let fp32 = 0;
    for (const [name] of kernels) {
      const rows = timing.filter(
        (t) =>
          t.name === name && t.dim === dim && t.tokens === tokens && typeof t.medianMs === 'number',
      );
      if (!rows.length) continue;
      const ms = rows.map((t) => t.medianMs as number);
      const med = medianOf(ms);
      if (name.includes('fp32')) fp32 = med;
      const tflops = (rows[0]!.flops as number) / (med * 1e-3) / 1e12;
      summary.push({
        dim,
        tokens,
        name,
        medianMs: med,
        minMs: Math.min(...ms),
        maxMs: Math.max(...ms),
        rounds: ms.length,
        tflops,
      });
      table.push(
        `| ${dim} | ${tokens} | ${name} | ${med.toPrecision(3)} (${Math.min(...ms).toPrecision(3)}-${Math.max(...ms).toPrecision(3)}, ${ms.length}) | ` +
          `${tflops.toFixed(1)} | ${fp32 && !name.includes('fp32') ? (fp32 / med).toFixed(2) + 'x' : ''} |`,
      );
    }
  }
}
say(table.join('\n'));
if (errors.length) say(`uncaptured errors: ${errors.length}; first: ${errors[0]}`);
report.uncapturedErrors = errors;
report.clock = clockInfo;
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 1));
say(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
device.destroy();
process.exit(0);
