// Shared by the backward kernels (src/gpu/backward/; composed before each kernel by
// src/gpu/wgsl.ts): 64 x 64 tile products in a workgroup of 256 threads. Thread (ty, tx) of the
// 16 x 16 grid owns rows 4 ty + i and columns 4 tx + j of the tile, a 4 x 4 register tile (an
// array of vec4 indexed by literal bounds only, so that it stays in registers).
// tileProduct(which, inner) adds sum_{x < inner} A(r, x) B(c, x) to it, staging 16 values of x at
// a time; the kernel defines loadA(which, r, x) and loadB(which, c, x) (0 outside the problem),
// and `which` picks one of its products. Call it in uniform control flow: it has barriers.
// `tile` is a 64 x 64 scratch tile ([row][column]) the kernels stage scores or gradients in.
// The entry point is here: the kernel defines tileKernel(w, lid), w being the workgroup's index in
// the whole grid (dispatches cover consecutive ranges from params.workgroupOffset).

const TILE: u32 = 64u;

var<workgroup> stageA: array<vec4<f32>, 256>; // [x % 16][row / 4]
var<workgroup> stageB: array<vec4<f32>, 256>; // [x % 16][column / 4]
var<workgroup> tile: array<f32, 4096>;

fn tileProduct(which: u32, inner: u32, lid: u32, acc: ptr<function, array<vec4<f32>, 4>>) {
  let tx = lid % 16u;
  let ty = lid / 16u;
  for (var x0 = 0u; x0 < inner; x0 += 16u) {
    for (var e = lid; e < 1024u; e += 256u) {
      let r = e % 64u;
      let x = e / 64u;
      stageA[x * 16u + r / 4u][r % 4u] = loadA(which, r, x0 + x);
      stageB[x * 16u + r / 4u][r % 4u] = loadB(which, r, x0 + x);
    }
    workgroupBarrier();
    for (var x = 0u; x < 16u; x++) {
      let a = stageA[x * 16u + ty];
      let b = stageB[x * 16u + tx];
      for (var i = 0u; i < 4u; i++) {
        (*acc)[i] = fma(vec4<f32>(a[i]), b, (*acc)[i]);
      }
    }
    workgroupBarrier();
  }
}

fn zeroTile() -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
}

// tileProduct into a fresh register tile.
fn tileProductOf(which: u32, inner: u32, lid: u32) -> array<vec4<f32>, 4> {
  var acc = zeroTile();
  tileProduct(which, inner, lid, &acc);
  return acc;
}

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lid: u32,
) {
  tileKernel(params.workgroupOffset + wid.x + wid.y * groups.x, lid);
}
