// Shared by train-matmul.wgsl and train-matmul-split.wgsl: the product's sizes (binding 0) and its
// two inputs (bindings 1 and 2), as each kernel's header describes them.
struct Shape {
  m: u32,
  k: u32,
  n: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
