// A calibration kernel for the timing code, not attention: each invocation runs a chain of
// `iterations` dependent multiply-adds on its own element, so the cost grows linearly with a
// parameter and nothing can be skipped. Used to detect the clock's resolution and in the tests.
override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  iterations: u32,
}

@group(0) @binding(0) var<storage, read_write> data: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= arrayLength(&data)) {
    return;
  }
  var x = data[i];
  for (var n = 0u; n < params.iterations; n++) {
    x = fma(x, 0.9999999, 1e-7);
  }
  data[i] = x;
}
