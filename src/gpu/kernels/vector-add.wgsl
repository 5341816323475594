// out[i] = a[i] + b[i]: the smallest kernel that proves WGSL runs where the engine runs.
override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i < arrayLength(&out)) {
    out[i] = a[i] + b[i];
  }
}
