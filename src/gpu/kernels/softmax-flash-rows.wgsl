// Causal softmax attention, tiled with an online softmax (FlashAttention, Dao et al. 2022): the
// row-per-thread-group variant softmax-flash uses where the register-tiled softmax-flash.wgsl does
// not fit (d = 128, or 16 KiB of workgroup memory at d = 64).
// A workgroup owns BR query rows of one head and walks the key/value tiles of BC keys up to the
// diagonal, staged in workgroup memory; scores never leave the workgroup. Thread (row, part) owns
// 16 output dimensions of one row (TPR = D / 16 threads per row), with its accumulator in
// registers; the running max m and sum l are kept, redundantly, by each thread of the row.
override D: u32 = 64u;     // head dimension: 16, 32, 64 or 128
override BR: u32 = 16u;    // query rows per workgroup
override BC: u32 = 16u;    // keys per tile
override TPR: u32 = 4u;    // threads per query row, D / 16
override WG: u32 = 64u;    // BR * TPR

// NEG, Params and the bindings: softmax-flash-common.wgsl (this kernel leaves `state` and
// Params.chunk unused).

// Rows of qs and ks are padded by one vec4 so that threads reading different rows at the same
// column hit different banks; ss likewise by one f32.
var<workgroup> qs: array<vec4<f32>, BR * (D / 4u + 1u)>;
var<workgroup> ks: array<vec4<f32>, BC * (D / 4u + 1u)>;
var<workgroup> vs: array<vec4<f32>, BC * D / 4u>;
var<workgroup> ss: array<f32, BR * (BC + 1u)>;

@compute @workgroup_size(WG)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let work = flashWork(grid);
  if (!work.ok) {
    return;  // the grid's padding past this dispatch's items
  }
  let row = lid / TPR;
  let D4 = D / 4u;
  let QS = D4 + 1u;
  let T = params.tokens;
  let head = work.head;
  let q0 = work.q0;
  let base = head * T * D4;
  let part = lid % TPR;
  let i = q0 + row;
  let iLast = min(i, T - 1u);

  for (var e = lid; e < BR * D4; e += WG) {
    let r = e / D4;
    let c = e % D4;
    qs[r * QS + c] = q[base + min(q0 + r, T - 1u) * D4 + c];
  }

  var acc: array<vec4<f32>, 4>;
  var m = NEG;
  var l = 0.0;
  let lastKey = min(q0 + BR, T) - 1u;
  let tiles = lastKey / BC + 1u;
  for (var t = 0u; t < tiles; t++) {
    let k0 = t * BC;
    stagePaddedTile(k0, base, T, lid);
    // Scores of this tile: thread (row, part) computes keys part, part + TPR, ...
    for (var j = part; j < BC; j += TPR) {
      var s4 = vec4<f32>(0.0);
      for (var c = 0u; c < D4; c++) {
        s4 = fma(qs[row * QS + c], ks[j * QS + c], s4);
      }
      ss[row * (BC + 1u) + j] = (s4.x + s4.y + s4.z + s4.w) * params.scale;
    }
    workgroupBarrier();
    // Online softmax over keys k0 .. min(k0 + BC, i + 1): the diagonal tile is masked by the bound.
    if (k0 <= iLast) {
      let jEnd = min(BC, iLast - k0 + 1u);
      var mNew = m;
      for (var j = 0u; j < jEnd; j++) {
        mNew = max(mNew, ss[row * (BC + 1u) + j]);
      }
      let alpha = exp(m - mNew);
      l *= alpha;
      for (var x = 0u; x < 4u; x++) {
        acc[x] *= alpha;
      }
      for (var j = 0u; j < jEnd; j++) {
        let p = exp(ss[row * (BC + 1u) + j] - mNew);
        l += p;
        let vb = j * D4 + part * 4u;
        for (var x = 0u; x < 4u; x++) {
          acc[x] = fma(vec4<f32>(p), vs[vb + x], acc[x]);
        }
      }
      m = mNew;
    }
  }
  if (i < T) {
    let inv = 1.0 / l;
    let ob = base + i * D4 + part * 4u;
    for (var x = 0u; x < 4u; x++) {
      out[ob + x] = acc[x] * inv;
    }
  }
}
