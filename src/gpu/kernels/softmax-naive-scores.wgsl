// softmax-naive, step 1 of 3: S = Q K^T / sqrt(D) for the causal half, written to global memory
// (the T x T score matrix per head that makes this form O(T^2) in memory). A workgroup of
// (TM / R) x (TM / R) threads computes one TM x TM block of S, R x R entries per thread, from TK-wide
// slices of Q and K staged in workgroup memory. Only blocks on or below the diagonal are dispatched.
override D: u32 = 64u;
override TM: u32 = 64u;  // rows and columns of S per workgroup
override TK: u32 = 16u;  // dimensions per staged slice; divides D
const R: u32 = 4u;       // rows and columns per thread: workgroup (TM / R) x (TM / R)

// Params (binding 0): softmax-naive-common.wgsl.
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read_write> scores: array<f32>;

var<workgroup> qt: array<f32, TM * (TK + 1u)>;
var<workgroup> kt: array<f32, TM * (TK + 1u)>;

@compute @workgroup_size(TM / R, TM / R)
fn main(
  grid: Grid,
  @builtin(local_invocation_index) lidx: u32,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let item = workItem(grid);
  if (item == NO_ITEM) {
    return;
  }
  let perHead = params.tiles * (params.tiles + 1u) / 2u;
  let hl = item / perHead;
  let tri = item % perHead;
  // tri = rt (rt + 1) / 2 + ct with ct <= rt; the float estimate is corrected in integers.
  var rt = u32((sqrt(8.0 * f32(tri) + 1.0) - 1.0) * 0.5);
  while (rt * (rt + 1u) / 2u > tri) {
    rt -= 1u;
  }
  while ((rt + 1u) * (rt + 2u) / 2u <= tri) {
    rt += 1u;
  }
  let ct = tri - rt * (rt + 1u) / 2u;
  let T = params.tokens;
  let base = (params.firstHead + hl) * T * D;
  let threads = (TM / R) * (TM / R);
  let tx = lid.x;
  let ty = lid.y;
  var acc: array<array<f32, 4>, 4>;
  for (var c0 = 0u; c0 < D; c0 += TK) {
    for (var e = lidx; e < TM * TK; e += threads) {
      let r = e / TK;
      let c = e % TK;
      qt[r * (TK + 1u) + c] = q[base + min(rt * TM + r, T - 1u) * D + c0 + c];
      kt[r * (TK + 1u) + c] = k[base + min(ct * TM + r, T - 1u) * D + c0 + c];
    }
    workgroupBarrier();
    for (var c = 0u; c < TK; c++) {
      var qa: array<f32, 4>;
      var kb: array<f32, 4>;
      for (var a = 0u; a < R; a++) {
        qa[a] = qt[(ty + a * (TM / R)) * (TK + 1u) + c];
        kb[a] = kt[(tx + a * (TM / R)) * (TK + 1u) + c];
      }
      for (var a = 0u; a < R; a++) {
        for (var b = 0u; b < R; b++) {
          acc[a][b] = fma(qa[a], kb[b], acc[a][b]);
        }
      }
    }
    workgroupBarrier();
  }
  for (var a = 0u; a < R; a++) {
    let i = rt * TM + ty + a * (TM / R);
    for (var b = 0u; b < R; b++) {
      let j = ct * TM + tx + b * (TM / R);
      if (i < T && j <= i) {
        scores[(hl * T + i) * T + j] = acc[a][b] * params.scale;
      }
    }
  }
}
