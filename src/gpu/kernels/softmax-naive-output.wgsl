// softmax-naive, step 3 of 3: Y = P V over the causal part. A workgroup of 16 x (TM / R) threads
// computes TM rows x 16 output dimensions of Y, R rows per thread, walking TK-wide slices of P and
// V staged in workgroup memory up to the diagonal; entries of P above the diagonal are read as 0.
override D: u32 = 64u;
override TM: u32 = 64u;  // rows of Y per workgroup
override TK: u32 = 32u;  // keys per staged slice
const TN: u32 = 16u;     // output dimensions per workgroup
const R: u32 = 4u;       // rows per thread

// Params (binding 0): softmax-naive-common.wgsl.
@group(0) @binding(1) var<storage, read> scores: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> pt: array<f32, TM * (TK + 1u)>;
var<workgroup> vt: array<f32, TK * TN>;

@compute @workgroup_size(TN, TM / R)
fn main(
  grid: Grid,
  @builtin(local_invocation_index) lidx: u32,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let item = workItem(grid);
  if (item == NO_ITEM) {
    return;
  }
  let dt = D / TN;
  let nt = params.tiles;
  let hl = item / (nt * dt);
  let rt = (item / dt) % nt;
  let ct = item % dt;
  let T = params.tokens;
  let base = (params.firstHead + hl) * T * D;
  let threads = TN * (TM / R);
  let tx = lid.x;
  let ty = lid.y;
  var acc: array<f32, 4>;
  let lastKey = min((rt + 1u) * TM, T) - 1u;
  for (var k0 = 0u; k0 <= lastKey; k0 += TK) {
    for (var e = lidx; e < TM * TK; e += threads) {
      let r = e / TK;
      let c = e % TK;
      let i = rt * TM + r;
      let j = k0 + c;
      var p = 0.0;
      if (i < T && j <= i) {
        p = scores[(hl * T + i) * T + j];
      }
      pt[r * (TK + 1u) + c] = p;
    }
    for (var e = lidx; e < TK * TN; e += threads) {
      let r = e / TN;
      let c = e % TN;
      vt[e] = v[base + min(k0 + r, T - 1u) * D + ct * TN + c];
    }
    workgroupBarrier();
    for (var x = 0u; x < TK; x++) {
      let vb = vt[x * TN + tx];
      for (var a = 0u; a < R; a++) {
        // Keys above the diagonal (and past T) are skipped with select, not multiplied by 0:
        // 0 x NaN in a later value would otherwise reach earlier rows.
        let i = rt * TM + ty + a * (TM / R);
        acc[a] = select(acc[a], fma(pt[(ty + a * (TM / R)) * (TK + 1u) + x], vb, acc[a]), k0 + x <= i);
      }
    }
    workgroupBarrier();
  }
  for (var a = 0u; a < R; a++) {
    let i = rt * TM + ty + a * (TM / R);
    if (i < T) {
      out[base + i * D + ct * TN + tx] = acc[a];
    }
  }
}
