// C = A^T B in fp32, tiled as a dense matrix product is tiled on GPUs without tensor cores: the
// ceiling of what a WGSL kernel of ours can reach on a card, to set beside our attention kernels
// (src/gpu/sgemm-ceiling.ts; not an attention form).
//
// A is stored [k][m] and B [k][n], so both operands' tiles are staged the same way, rows of vec4.
// A workgroup of 256 invocations owns a 16 TM x 16 TN block of C and walks k BK at a time.
// Thread (ty, tx), 16 x 16, owns TM rows and TN columns of the block: rows 4 ty .. 4 ty + 3 (and
// with TM = 8 also 64 + 4 ty .. + 3), columns 4 tx .. + 3 (with TN = 8 also 64 + 4 tx .. + 3). Per
// step of k it reads TM / 4 vec4 of A and TN / 4 of B from workgroup memory and makes TM TN FMAs of
// outer product: 16 per read at 8 x 8, 8 at 4 x 4 (the thread tiles our attention kernels use).
// The two halves keep a warp's reads on distinct banks. Two tiles of workgroup memory in turn:
// while the block works on one, the next is read from storage into registers and stored into the
// other, so one barrier per tile of k. Accumulators are named vec4 values (the struct Acc), never
// arrays: NVIDIA's driver keeps arrays of vec4 in local memory (PERFORMANCE.md, softmax-flash's
// second round); at TM or TN = 4 the unused half of Acc is never stored, so the driver drops it.
//
// Constants prepended by sgemm-ceiling.ts: BK (k per tile, 8 or 16), TM and TN (4 or 8), and
// AW = 4 TM, BW = 4 TN (vec4 in a row of a staged tile of A and of B: the block's 16 TM rows and
// 16 TN columns over 4).

struct Shape {
  m: u32,
  n: u32,
  k: u32,
  pad: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>; // [k][m / 4]
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>; // [k][n / 4]
@group(0) @binding(3) var<storage, read_write> c: array<vec4<f32>>; // [m][n / 4]

var<workgroup> a0: array<array<vec4<f32>, AW>, BK>; // [k in tile][m / 4 in block]
var<workgroup> b0: array<array<vec4<f32>, BW>, BK>;
var<workgroup> a1: array<array<vec4<f32>, AW>, BK>;
var<workgroup> b1: array<array<vec4<f32>, BW>, BK>;

// Row i of the thread's eight, columns half h: r{i}{h}.
struct Acc {
  r0a: vec4<f32>, r0b: vec4<f32>, r1a: vec4<f32>, r1b: vec4<f32>,
  r2a: vec4<f32>, r2b: vec4<f32>, r3a: vec4<f32>, r3b: vec4<f32>,
  r4a: vec4<f32>, r4b: vec4<f32>, r5a: vec4<f32>, r5b: vec4<f32>,
  r6a: vec4<f32>, r6b: vec4<f32>, r7a: vec4<f32>, r7b: vec4<f32>,
}

// One step of k: the outer product of the thread's 8 values of A (x: rows 0-3, y: rows 4-7) and
// 8 of B (p: columns 0-3, q: 4-7).
fn outer(s: Acc, x: vec4<f32>, y: vec4<f32>, p: vec4<f32>, q: vec4<f32>) -> Acc {
  return Acc(
    fma(vec4<f32>(x.x), p, s.r0a), fma(vec4<f32>(x.x), q, s.r0b),
    fma(vec4<f32>(x.y), p, s.r1a), fma(vec4<f32>(x.y), q, s.r1b),
    fma(vec4<f32>(x.z), p, s.r2a), fma(vec4<f32>(x.z), q, s.r2b),
    fma(vec4<f32>(x.w), p, s.r3a), fma(vec4<f32>(x.w), q, s.r3b),
    fma(vec4<f32>(y.x), p, s.r4a), fma(vec4<f32>(y.x), q, s.r4b),
    fma(vec4<f32>(y.y), p, s.r5a), fma(vec4<f32>(y.y), q, s.r5b),
    fma(vec4<f32>(y.z), p, s.r6a), fma(vec4<f32>(y.z), q, s.r6b),
    fma(vec4<f32>(y.w), p, s.r7a), fma(vec4<f32>(y.w), q, s.r7b),
  );
}

// The vec4s of one k tile a thread stages: element e = lid (and lid + 256) of the tile, row
// e / AW (or BW), column e % AW. A tile holds BK AW vec4 of A: 128, 256 or 512.
struct Staged {
  a0: vec4<f32>,
  a1: vec4<f32>,
  b0: vec4<f32>,
  b1: vec4<f32>,
}

fn load(tile: u32, lid: u32, m4: u32, n4: u32) -> Staged {
  let m = shape.m / 4u;
  let n = shape.n / 4u;
  let k0 = tile * BK;
  var s = Staged();
  if (lid < BK * AW) {
    s.a0 = a[(k0 + lid / AW) * m + m4 + lid % AW];
  }
  if (BK * AW > 256u) {
    s.a1 = a[(k0 + (lid + 256u) / AW) * m + m4 + lid % AW];
  }
  if (lid < BK * BW) {
    s.b0 = b[(k0 + lid / BW) * n + n4 + lid % BW];
  }
  if (BK * BW > 256u) {
    s.b1 = b[(k0 + (lid + 256u) / BW) * n + n4 + lid % BW];
  }
  return s;
}

fn storeA0(g: Staged, lid: u32) {
  if (lid < BK * AW) {
    a0[lid / AW][lid % AW] = g.a0;
  }
  if (BK * AW > 256u) {
    a0[(lid + 256u) / AW][lid % AW] = g.a1;
  }
  if (lid < BK * BW) {
    b0[lid / BW][lid % BW] = g.b0;
  }
  if (BK * BW > 256u) {
    b0[(lid + 256u) / BW][lid % BW] = g.b1;
  }
}

fn storeA1(g: Staged, lid: u32) {
  if (lid < BK * AW) {
    a1[lid / AW][lid % AW] = g.a0;
  }
  if (BK * AW > 256u) {
    a1[(lid + 256u) / AW][lid % AW] = g.a1;
  }
  if (lid < BK * BW) {
    b1[lid / BW][lid % BW] = g.b0;
  }
  if (BK * BW > 256u) {
    b1[(lid + 256u) / BW][lid % BW] = g.b1;
  }
}

// The thread's operands at step kk of a tile: x rows 0-3, y rows 4-7 (zero at TM = 4), p columns
// 0-3, q columns 4-7 (zero at TN = 4).
fn stepA0(s: Acc, kk: u32, ty: u32, tx: u32) -> Acc {
  var y = vec4<f32>(0.0);
  var q = vec4<f32>(0.0);
  if (TM == 8u) {
    y = a0[kk][ty + 16u];
  }
  if (TN == 8u) {
    q = b0[kk][tx + 16u];
  }
  return outer(s, a0[kk][ty], y, b0[kk][tx], q);
}

fn stepA1(s: Acc, kk: u32, ty: u32, tx: u32) -> Acc {
  var y = vec4<f32>(0.0);
  var q = vec4<f32>(0.0);
  if (TM == 8u) {
    y = a1[kk][ty + 16u];
  }
  if (TN == 8u) {
    q = b1[kk][tx + 16u];
  }
  return outer(s, a1[kk][ty], y, b1[kk][tx], q);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let m4 = wid.y * AW; // the block's first row / 4
  let n4 = wid.x * BW; // the block's first column / 4
  let ty = lid / 16u;
  let tx = lid % 16u;
  let tiles = shape.k / BK; // even: sgemm-ceiling.ts checks k % (2 BK) == 0

  var s = Acc();
  var g = load(0u, lid, m4, n4);
  storeA0(g, lid);
  workgroupBarrier();
  for (var t = 0u; t < tiles; t += 2u) {
    // Tile t is in a0/b0; tile t + 1 goes to a1/b1 (no thread still reads those: the barrier at
    // the end of the previous trip came after their last reads).
    g = load(t + 1u, lid, m4, n4);
    for (var kk = 0u; kk < BK; kk++) {
      s = stepA0(s, kk, ty, tx);
    }
    storeA1(g, lid);
    workgroupBarrier();
    let more = t + 2u < tiles;
    if (more) {
      g = load(t + 2u, lid, m4, n4);
    }
    for (var kk = 0u; kk < BK; kk++) {
      s = stepA1(s, kk, ty, tx);
    }
    if (more) {
      storeA0(g, lid);
    }
    workgroupBarrier();
  }

  // Rows 4 ty + i (and 64 + 4 ty + i); column vec4s tx (and tx + 16).
  let n = shape.n / 4u;
  let r0 = m4 * 4u + 4u * ty;
  let r4 = r0 + 64u;
  let c0 = n4 + tx;
  let c1 = c0 + 16u;
  c[r0 * n + c0] = s.r0a;
  c[(r0 + 1u) * n + c0] = s.r1a;
  c[(r0 + 2u) * n + c0] = s.r2a;
  c[(r0 + 3u) * n + c0] = s.r3a;
  if (TN == 8u) {
    c[r0 * n + c1] = s.r0b;
    c[(r0 + 1u) * n + c1] = s.r1b;
    c[(r0 + 2u) * n + c1] = s.r2b;
    c[(r0 + 3u) * n + c1] = s.r3b;
  }
  if (TM == 8u) {
    c[r4 * n + c0] = s.r4a;
    c[(r4 + 1u) * n + c0] = s.r5a;
    c[(r4 + 2u) * n + c0] = s.r6a;
    c[(r4 + 3u) * n + c0] = s.r7a;
    if (TN == 8u) {
      c[r4 * n + c1] = s.r4b;
      c[(r4 + 1u) * n + c1] = s.r5b;
      c[(r4 + 2u) * n + c1] = s.r6b;
      c[(r4 + 3u) * n + c1] = s.r7b;
    }
  }
}
