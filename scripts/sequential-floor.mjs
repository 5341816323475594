// The sequential-depth floor of the recurrent forms on this machine's GPU (docs/PERFORMANCE.md):
// one workgroup runs N dependent steps, each (a) one FMA on the previous value, (b) one FMA and a
// workgroupBarrier, or (c) one FMA, a storageBarrier and a workgroupBarrier; 128 and 256 threads.
// Where the adapter has subgroups, (d) what the lanes recurrent kernel (deleted; PERFORMANCE.md)
// did per token: one dependent FMA (the state) and, off that chain, a sum over 16 lanes by four
// subgroupShuffleXor steps whose result is kept; eight tokens per loop trip, unrolled as that
// kernel's token blocks were (one step = one token); 64 threads. (e) the split recurrent kernel's synchronisation (deleted;
// PERFORMANCE.md): 16 dependent FMAs (tokens), then two workgroupBarriers; 144 threads.
// GPU timestamps around one dispatch, median of 7, per-step time (t(N2) - t(N1)) / (N2 - N1), so
// launch costs cancel. On a GPU machine: bash .gpu/run.sh node .gpu/<dir>/sequential-floor.mjs
// (N1, N2 from the environment: defaults 2^16 and 2^19; ONLY=name,name runs those kinds alone).
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter();
const subgroups = adapter.features.has('subgroups');
const device = await adapter.requestDevice({
  requiredFeatures: ['timestamp-query', ...(subgroups ? ['subgroups'] : [])],
});
const kinds = {
  fma: 'x = fma(x, a, b);',
  fmaBarrier: 'x = fma(x, a, b); workgroupBarrier();',
  fmaStorageBarrier: 'x = fma(x, a, b); storageBarrier(); workgroupBarrier();',
};
// One token of the lanes kernel: the state's FMA, then its share summed over 16 lanes.
const laneToken = `x = fma(x, a, b);
  { var y = x * a; for (var o = 1u; o < 16u; o <<= 1u) { y += subgroupShuffleXor(y, o); } acc += y; }`;
const laneKinds = subgroups ? { fmaShuffle16x8: Array(8).fill(laneToken).join('\n') } : {};
// What the split recurrent kernel's synchronisation cost per token: a block of 16 tokens (one
// dependent FMA each) between two workgroupBarriers, as its token blocks were; 144 threads (16 per
// column, 8 columns and z at d = 64).
const splitKinds = {
  fma2Barriersx16: `${Array(16).fill('x = fma(x, a, b);').join(' ')} workgroupBarrier(); workgroupBarrier();`,
};
const stepsPerTrip = (name) => Number(/x(\d+)$/.exec(name)?.[1] ?? 1);
const code = (body, wg) => `${body.includes('subgroup') ? 'enable subgroups;' : ''}
override N: u32;
@group(0) @binding(0) var<storage, read_write> buf: array<f32>;
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_index) lid: u32) {
  let a = buf[1];
  let b = buf[2];
  var x = buf[3 + lid];
  var acc = 0.0;
  for (var i = 0u; i < N; i++) { ${body} }
  buf[3 + lid] = x + acc;
}`;
const buf = device.createBuffer({
  size: 4 * 1024,
  usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
});
const qs = device.createQuerySet({ type: 'timestamp', count: 2 });
const res = device.createBuffer({
  size: 16,
  usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
});
const rd = device.createBuffer({
  size: 16,
  usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
});
async function time(pipelines, n) {
  const pipeline = pipelines[n];
  device.queue.writeBuffer(buf, 0, new Float32Array([n, 0.999, 1e-3, 1]));
  const bg = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: buf } }],
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass({
    timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
  });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bg);
  pass.dispatchWorkgroups(1);
  pass.end();
  enc.resolveQuerySet(qs, 0, 2, res, 0);
  enc.copyBufferToBuffer(res, 0, rd, 0, 16);
  device.queue.submit([enc.finish()]);
  await rd.mapAsync(GPUMapMode.READ);
  const t = new BigInt64Array(rd.getMappedRange().slice(0));
  rd.unmap();
  return Number(t[1] - t[0]) / 1e3; // us
}
const med = (xs) => xs.sort((p, q) => p - q)[xs.length >> 1];
const runs = [
  ...[128, 256].flatMap((wg) => Object.entries(kinds).map(([name, body]) => [wg, name, body])),
  ...Object.entries(laneKinds).map(([name, body]) => [64, name, body]),
  ...Object.entries(splitKinds).map(([name, body]) => [144, name, body]),
];
const only = process.env.ONLY?.split(',');
{
  for (const [wg, name, body] of runs) {
    if (only && !only.includes(name)) continue;
    const N1 = Number(process.env.N1 ?? 1 << 16),
      N2 = Number(process.env.N2 ?? 1 << 19);
    // The loop runs N / steps trips of `steps` steps (tokens) each.
    const steps = stepsPerTrip(name);
    const module = device.createShaderModule({ code: code(body, wg) });
    const pipeline = {};
    for (const n of [N1, N2])
      pipeline[n] = device.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main', constants: { N: n / steps } },
      });
    await time(pipeline, N1);
    const t1 = [],
      t2 = [];
    for (let r = 0; r < 7; r++) {
      t1.push(await time(pipeline, N1));
      t2.push(await time(pipeline, N2));
    }
    const per = ((med(t2) - med(t1)) / (N2 - N1)) * 1e3;
    console.log(
      `floor ${name} wg=${wg}: ${per.toFixed(2)} ns per step; ${((per * 65536) / 1e3).toFixed(3)} ms for 65,536 steps (t(${N1}) ${med(t1).toFixed(1)} us, t(${N2}) ${med(t2).toFixed(1)} us)`,
    );
  }
}
process.exit(0);
