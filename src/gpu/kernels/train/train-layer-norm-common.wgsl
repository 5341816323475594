// Shared by train-layer-norm.wgsl and its backward pass: rows of `width` values (binding 0), one
// invocation per row, and the gains (binding 2).
struct Shape {
  rows: u32,
  width: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(2) var<storage, read> gain: array<f32>;
