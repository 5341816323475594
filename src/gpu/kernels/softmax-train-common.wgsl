// Shared by the softmax training kernels (softmax-train-forward.wgsl, softmax-backward-dq.wgsl,
// softmax-backward-dkdv.wgsl; composed after backward-tiles.wgsl by src/gpu/backward/softmax.ts):
// the head dimension and score scale, the dispatch parameters and the q, k, v bindings.

override D: u32 = 64u;
override SCALE: f32 = 0.125; // 1 / sqrt(D)

struct Params {
  tokens: u32,
  // This dispatch covers workgroups [workgroupOffset, ...) of the grid of (head, 64-row block).
  workgroupOffset: u32,
  blocksPerHead: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;

// The first output column of the tile product in flight (0, or 64 at D = 128).
var<private> colBase: u32;
