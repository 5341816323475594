// Shared by the three softmax-naive kernels (composed by src/gpu/wgsl.ts, with dispatch-grid.wgsl):
// their uniform, at binding 0 as every kernel's. A dispatch covers the heads firstHead ..
// firstHead + heads - 1 of q, k and v (the score matrix holds only those heads).

struct Params {
  tokens: u32,
  heads: u32,       // heads in this group
  firstHead: u32,   // the group's first head in q, k, v and out (scores and output steps)
  tiles: u32,       // ceil(tokens / TM) (scores and output steps)
  offset: u32,      // first work item of this dispatch
  count: u32,       // work items in this dispatch
  scale: f32,       // 1 / sqrt(D) (scores step)
  pad0: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
