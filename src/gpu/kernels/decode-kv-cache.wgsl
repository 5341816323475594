// KV-cache decode, step 1 of 2 (split-K): one new query against the cached keys and values. The
// cache of one head is cut into splits of SPLIT positions; workgroup (split, head) computes its
// split's scores, their max m, sum l = sum exp(s - m) and partial output sum exp(s - m) v, which
// decode-kv-cache-combine.wgsl merges. Cost grows with the number of cached tokens; the kernel is
// bound by reading K and V once, so every read of the cache is a vec4 and the P V loop gives each
// thread a vec4 of output columns and every G-th key (G = WG / (D / 4) key groups), so a warp reads
// whole rows of V at once, and the groups are added in workgroup memory at the end.
override D: u32 = 64u;
override WG: u32 = 256u;
override SPLIT: u32 = 1024u;

struct Params {
  tokens: u32,    // cached tokens including the new one
  capacity: u32,  // positions per head in the cache buffers
  splits: u32,    // ceil(tokens / SPLIT)
  maxSplits: u32, // ceil(capacity / SPLIT): stride of the partials
  scale: f32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;       // [heads][D]
@group(0) @binding(2) var<storage, read> kc: array<vec4<f32>>;      // [heads][capacity][D]
@group(0) @binding(3) var<storage, read> vc: array<vec4<f32>>;      // [heads][capacity][D]
@group(0) @binding(4) var<storage, read_write> partials: array<f32>; // [heads][maxSplits][D + 2]

var<workgroup> qv: array<vec4<f32>, D / 4u>;
var<workgroup> p: array<f32, SPLIT>;
var<workgroup> part: array<vec4<f32>, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let split = wid.x;
  let head = wid.y;
  let D4 = D / 4u;
  let j0 = split * SPLIT;
  let n = min(SPLIT, params.tokens - j0);
  let hb = (head * params.capacity + j0) * D4;
  for (var c = lid; c < D4; c += WG) {
    qv[c] = q[head * D4 + c];
  }
  workgroupBarrier();
  var m = -3.0e38;
  for (var jj = lid; jj < n; jj += WG) {
    let kb = hb + jj * D4;
    var s4 = vec4<f32>(0.0);
    for (var c = 0u; c < D4; c++) {
      s4 = fma(qv[c], kc[kb + c], s4);
    }
    let s = (s4.x + s4.y + s4.z + s4.w) * params.scale;
    p[jj] = s;
    m = max(m, s);
  }
  let splitMax = workgroupMax(m, lid);
  var l = 0.0;
  for (var jj = lid; jj < n; jj += WG) {
    let e = exp(p[jj] - splitMax);
    p[jj] = e;
    l += e;
  }
  let lTotal = workgroupSum(l, lid);
  // Thread (g, c4): output columns 4 c4 .. 4 c4 + 3 over keys g, g + G, ...
  let G = WG / D4;
  let c4 = lid % D4;
  let g = lid / D4;
  var acc = vec4<f32>(0.0);
  if (g < G) {
    for (var jj = g; jj < n; jj += G) {
      acc = fma(vec4<f32>(p[jj]), vc[hb + jj * D4 + c4], acc);
    }
  }
  part[lid] = acc;
  workgroupBarrier();
  let ob = (head * params.maxSplits + split) * (D + 2u);
  if (lid < D4) {
    var total = vec4<f32>(0.0);
    for (var u = 0u; u < G; u++) {
      total += part[u * D4 + lid];
    }
    for (var x = 0u; x < 4u; x++) {
      partials[ob + 2u + 4u * lid + x] = total[x];
    }
  }
  if (lid == 0u) {
    partials[ob] = splitMax;
    partials[ob + 1u] = lTotal;
  }
}
