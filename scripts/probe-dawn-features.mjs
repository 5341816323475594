// Which experimental WebGPU features can Dawn (npm webgpu) expose on this machine's adapter, under
// which create() flags? Prints one JSON line per flag set. On the GPU machine:
//   bash .gpu/run.sh node scripts/probe-dawn-features.mjs   (docs/PERFORMANCE.md has the H200's answer)
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const sets = [
  [],
  ['enable-dawn-features=allow_unsafe_apis'],
  ['enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'],
  [
    'enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia',
    'disable-dawn-features=vulkan_use_storage_input_output_16',
  ],
  ['enable-dawn-features=vulkan_enable_f16_on_nvidia'],
];
const F16 = `enable f16;
@group(0) @binding(0) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(1) fn main() { let a = vec4<f16>(1.5h, 2.0h, 0.25h, 3.0h); o[0] = f32(dot(a, a)); }`;
const SGM = `enable f16;
enable chromium_experimental_subgroup_matrix;
@group(0) @binding(0) var<storage, read_write> a: array<f16>;
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(32) fn main() {
  let l = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>>(&a, 0, false, 16);
  let r = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>>(&a, 0, false, 16);
  var c = subgroup_matrix_result<f32, 16, 16>();
  c = subgroupMatrixMultiplyAccumulate(l, r, c);
  subgroupMatrixStore(&o, 0, c, false, 16);
}`;
for (const flags of sets) {
  const line = { flags: flags.join(' ') };
  try {
    const gpu = create(flags);
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      line.adapter = null;
      console.log(JSON.stringify(line));
      continue;
    }
    line.device = adapter.info.device || adapter.info.description;
    line.features = [...adapter.features].filter((f) => /f16|subgroup|shader|timestamp/.test(f));
    line.subgroupMatrixConfigs = adapter.info.subgroupMatrixConfigs;
    const want = ['shader-f16', 'chromium-experimental-subgroup-matrix', 'subgroups'].filter((f) =>
      adapter.features.has(f),
    );
    const device = await adapter.requestDevice({ requiredFeatures: want });
    for (const [name, code, need] of [
      ['f16', F16, 'shader-f16'],
      ['subgroup-matrix', SGM, 'chromium-experimental-subgroup-matrix'],
    ]) {
      if (!device.features.has(need)) continue;
      device.pushErrorScope('validation');
      const m = device.createShaderModule({ code });
      const info = await m.getCompilationInfo();
      const err = await device.popErrorScope();
      line[name] = err
        ? `error: ${err.message.slice(0, 300)}`
        : `compiled (${info.messages.length} messages)`;
    }
    device.destroy();
  } catch (e) {
    line.error = String(e).slice(0, 300);
  }
  console.log(JSON.stringify(line));
}
