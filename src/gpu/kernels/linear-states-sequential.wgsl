// Runs only when forced (src/gpu/forms/linear/chunked.ts, states: 'fused'): on an H200 it was
// slower than the summaries and prefix it replaces.
// Chunked linear attention, phases 1 and 2 in one kernel (Buckman & Gelada 2024): the EXCLUSIVE
// chunk states S_b = sum_{m<b} phi(K_m)^T V_m and Z_b = sum_{m<b} colsum phi(K_m), written for
// every chunk b, without the per-chunk summaries ever reaching memory. Instead of summing each
// chunk apart and then scanning the sums (linear-chunked-summaries.wgsl, then
// linear-chunked-prefix.wgsl: the summaries written, read and rewritten), each workgroup walks
// the chunks in order, as the recurrence would, and keeps its tile of the running state in
// registers: it stores the tile as the state entering each chunk, then adds the chunk's
// phi(k_t) v_t^T. Sequential in chunks, so the parallelism is in the state: one workgroup per
// (head in group, 16 rows of S, 16 of the D + 1 columns: those of S, then one for Z, whose v is
// 1). 64 threads as an 8 x 8 grid, thread (ty, tx) owning rows 2 ty, 2 ty + 1 and columns
// 2 tx, 2 tx + 1 of the tile: two vec2 reads and four FMAs per token.
// Tokens arrive in blocks of blockTokens (gcd(c, 64): a block never straddles a chunk), staged in
// workgroup memory through two buffers (one barrier per block), the next block's loads in flight
// during the current block's FMAs.
// With the gate on (gate-on.wgsl, gated-chunked; cum: the log-decays summed from each chunk's
// start): S_{b+1} = A_b S_b + sum_t exp(cum_e - cum_t) phi(k_t) v_t^T, e the chunk's last token and
// A_b = exp(cum_e) <= 1, as the summaries and prefix kernels compute it.
// A dispatch covers chunks [chunkBegin, chunkEnd): the running state comes from and goes to
// `carry`, so a long sequence runs as several bounded dispatches.

override D: u32 = 64u; // a multiple of 16
const TB_MAX: u32 = 64u; // tokens staged per block, at most

struct Params {
  tokens: u32,
  chunks: u32, // ceil(T / c)
  headBase: u32, // states hold a group of heads starting here
  chunkSize: u32,
  blockTokens: u32, // gcd(c, 64)
  chunkBegin: u32,
  chunkEnd: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
// [heads in group][chunks][D * D state S_b, then D normaliser Z_b]
@group(0) @binding(3) var<storage, read_write> states: array<f32>;
// [heads in group][D * D, then D]: the running state between dispatches
@group(0) @binding(4) var<storage, read_write> carry: array<f32>;

// [buffer][token][pair]: 16 features of phi(k) and 16 columns of v per token, as 8 vec2s each.
var<workgroup> ks: array<array<vec2<f32>, TB_MAX * 8u>, 2>;
var<workgroup> vs: array<array<vec2<f32>, TB_MAX * 8u>, 2>;

struct Staged {
  k: array<vec4<f32>, 4>,
  v: array<vec4<f32>, 4>,
}

// This thread's share of a block's loads: element e = lid + 64 r (r < 4) is token e / 4, quad
// e % 4 of the tile's 16 features (and of its 16 columns). Tokens past T load zeros, as do the
// Z tile's columns but its first (v = 1); with the gate on each phi(k_t) is weighted by
// exp(cum_e - cum_t).
fn loadBlock(t0: u32, head: u32, r0: u32, c0: u32, lid: u32) -> Staged {
  let T = params.tokens;
  let D4 = D / 4u;
  let base4 = head * T * D4;
  var s: Staged;
  var cumEnd = 0.0;
  if (GATED) {
    let chunkEnd = min((t0 / params.chunkSize + 1u) * params.chunkSize, T);
    cumEnd = gate(head * T + chunkEnd - 1u);
  }
  for (var r = 0u; r < 4u; r++) {
    let e = lid + 64u * r;
    let t = t0 + e / 4u;
    let quad = e % 4u;
    s.k[r] = vec4<f32>(0.0);
    s.v[r] = vec4<f32>(0.0);
    if (e / 4u < params.blockTokens && t < T) {
      var kx = k[base4 + t * D4 + r0 / 4u + quad];
      if (GATED) {
        kx *= exp(min(cumEnd - gate(head * T + t), 0.0));
      }
      s.k[r] = kx;
      if (c0 < D) {
        s.v[r] = v[base4 + t * D4 + c0 / 4u + quad];
      } else if (quad == 0u) {
        s.v[r] = vec4<f32>(1.0, 0.0, 0.0, 0.0);
      }
    }
  }
  return s;
}

fn storeBlock(s: Staged, buf: u32, lid: u32) {
  for (var r = 0u; r < 4u; r++) {
    let e = lid + 64u * r;
    if (e / 4u < params.blockTokens) {
      let i = (e / 4u) * 8u + 2u * (e % 4u);
      ks[buf][i] = s.k[r].xy;
      ks[buf][i + 1u] = s.k[r].zw;
      vs[buf][i] = s.v[r].xy;
      vs[buf][i + 1u] = s.v[r].zw;
    }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let rowTiles = D / 16u;
  let tiles = rowTiles * (rowTiles + 1u);
  let headInGroup = wid.x / tiles;
  let head = params.headBase + headInGroup;
  let tile = wid.x % tiles;
  let r0 = (tile / (rowTiles + 1u)) * 16u;
  let c0 = (tile % (rowTiles + 1u)) * 16u; // c0 == D: the Z tile
  let tx = lid % 8u;
  let ty = lid / 8u;
  let STATE = D * (D + 1u);
  let C = params.chunkSize;
  let TBk = params.blockTokens;

  // The running state of rows r0 + 2 ty + i, columns c0 + 2 tx .. + 1: h[i]. In the Z tile only
  // column c0 (tx = 0, component x) is Z; the others hold sums of zeros.
  let row = r0 + 2u * ty;
  let col = c0 + 2u * tx;
  let zTile = c0 == D;
  var h0 = vec2<f32>(0.0);
  var h1 = vec2<f32>(0.0);
  let carryBase = headInGroup * STATE;
  if (params.chunkBegin > 0u) {
    if (!zTile) {
      h0 = vec2<f32>(carry[carryBase + row * D + col], carry[carryBase + row * D + col + 1u]);
      h1 = vec2<f32>(
        carry[carryBase + (row + 1u) * D + col],
        carry[carryBase + (row + 1u) * D + col + 1u],
      );
    } else if (tx == 0u) {
      h0.x = carry[carryBase + D * D + row];
      h1.x = carry[carryBase + D * D + row + 1u];
    }
  }

  let tBegin = params.chunkBegin * C;
  let tEnd = min(params.chunkEnd * C, params.tokens);
  var staged = loadBlock(tBegin, head, r0, c0, lid);
  var buf = 0u;
  for (var t0 = tBegin; t0 < tEnd; t0 += TBk) {
    storeBlock(staged, buf, lid);
    workgroupBarrier();
    // The next block's loads go out now; the buffer they land in was last read two blocks ago,
    // before the barrier above.
    staged = loadBlock(t0 + TBk, head, r0, c0, lid);
    if (t0 % C == 0u) {
      // A chunk begins: its exclusive state is the running state; then its decay.
      let b = t0 / C;
      let dst = (headInGroup * params.chunks + b) * STATE;
      if (!zTile) {
        states[dst + row * D + col] = h0.x;
        states[dst + row * D + col + 1u] = h0.y;
        states[dst + (row + 1u) * D + col] = h1.x;
        states[dst + (row + 1u) * D + col + 1u] = h1.y;
      } else if (tx == 0u) {
        states[dst + D * D + row] = h0.x;
        states[dst + D * D + row + 1u] = h1.x;
      }
      if (GATED) {
        let last = min((b + 1u) * C, params.tokens) - 1u;
        let a = exp(gate(head * params.tokens + last));
        h0 *= a;
        h1 *= a;
      }
    }
    for (var t = 0u; t < TBk; t++) {
      let a = ks[buf][t * 8u + ty];
      let bv = vs[buf][t * 8u + tx];
      h0 = fma(vec2<f32>(a.x), bv, h0);
      h1 = fma(vec2<f32>(a.y), bv, h1);
    }
    buf = 1u - buf;
  }

  if (!zTile) {
    carry[carryBase + row * D + col] = h0.x;
    carry[carryBase + row * D + col + 1u] = h0.y;
    carry[carryBase + (row + 1u) * D + col] = h1.x;
    carry[carryBase + (row + 1u) * D + col + 1u] = h1.y;
  } else if (tx == 0u) {
    carry[carryBase + D * D + row] = h0.x;
    carry[carryBase + D * D + row + 1u] = h1.x;
  }
}
