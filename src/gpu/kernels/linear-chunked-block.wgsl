// Shared by the chunked output kernels (linear-chunked-output.wgsl and -output-whole.wgsl,
// composed by src/gpu/wgsl.ts): their uniforms and the grid prologue, which head and which block
// of BQ query rows a workgroup owns. Built from the workgroup id alone, so it is uniform and a
// kernel may branch on it before its barriers.

struct Params {
  tokens: u32,
  // This dispatch covers workgroups [workgroupOffset, workgroupOffset + count) of the whole grid.
  workgroupOffset: u32,
  blocksPerHead: u32, // ceil(T / BQ)
  headBase: u32, // states hold a group of heads starting here
  // The chunk size c: a multiple of 4 (of 64 for the whole-tile kernel). A uniform, not an
  // override, so that a sweep over chunk sizes reuses one pipeline.
  chunkSize: u32,
  chunks: u32, // ceil(T / c)
  // The end of this dispatch's range of blocks (the whole-tile kernel runs BLOCKS per workgroup).
  blockEnd: u32,
}

struct ChunkBlock {
  T: u32, // tokens
  C: u32, // chunk size
  headInGroup: u32, // the head within this dispatch's head group (indexes the chunk states)
  head: u32,
  q0: u32, // the block's first query row
  base4: u32, // the head's first vec4 in q, k, v and the output
}

fn chunkBlock(wid: vec3u) -> ChunkBlock {
  return chunkBlockAt(params.workgroupOffset + wid.x);
}

// Block w of the whole grid (a uniform value).
fn chunkBlockAt(w: u32) -> ChunkBlock {
  let headInGroup = w / params.blocksPerHead;
  let head = params.headBase + headInGroup;
  return ChunkBlock(
    params.tokens,
    params.chunkSize,
    headInGroup,
    head,
    (w % params.blocksPerHead) * BQ,
    head * params.tokens * (D / 4u),
  );
}
