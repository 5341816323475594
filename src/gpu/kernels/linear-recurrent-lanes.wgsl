// Linear attention as an RNN (Katharopoulos et al. 2020), with no barrier per token. Runs only
// when forced (src/gpu/forms/linear/recurrent.ts): on an H200 its per-token subgroup sums made it
// slower than linear-recurrent.wgsl.
//   S_i = S_{i-1} + phi(k_i) v_i^T,  z_i = z_{i-1} + phi(k_i),
//   y_i = phi(q_i) S_i  divided by phi(q_i).z_i + eps if NORMALIZE;
// with the gate on (gate-on.wgsl, gated-recurrent), S_i = a_i S_{i-1} + phi(k_i) v_i^T and
// z_i = a_i z_{i-1} + phi(k_i), a_i = exp(g_i) <= 1.
//
// Each column j of one head's S (and the head's z, kept by every column) lives in the registers of
// LANES adjacent invocations of one subgroup: lane p holds the vec4s p, p + LANES, ... of the
// column's D / 4 (R = D / (4 LANES) vec4s each). Per token a lane updates its R vec4s of S and z
// (one FMA each: the only dependency carried from token to token), takes its share of the dot
// products phi(q_i) S_i[:, j] and phi(q_i) z_i, and the LANES lanes sum the shares by
// subgroupShuffleXor. Nothing is shared through workgroup memory, so there is no barrier at all:
// the workgroups (64 invocations, 64 / LANES columns) run independently. phi(q), phi(k) and v come
// straight from memory (the L1 cache serves the columns of a head that share an SM), the next
// block of tokens requested before the current block runs.
// The subgroup groups LANES adjacent local invocation indices (subgroups of a 1-D workgroup are
// consecutive invocations on every WebGPU backend); the form picks LANES <= the device's smallest
// subgroup size, a power of two.
// The feature map is applied beforehand (linear-feature-map-pass.wgsl): FEATURE_MAP is the identity.
// A dispatch covers tokens [tokenBegin, tokenEnd): the state is loaded from stateIn and stored to
// stateOut around it (layout [heads][D * D state S, then D normaliser z], as linear-recurrent.wgsl).

override D: u32 = 64u;
override LANES: u32 = 16u; // lanes per column: 4 .. D / 4, a power of two
override NORMALIZE: bool = true;
override R: u32 = D / (4u * LANES); // vec4s of the column per lane: 1, 2, 4 or 8
override TB: u32 = 8u / R; // tokens per block: the block's phi(k), phi(q) fill 8 vec4s per lane

struct Params {
  tokens: u32,
  tokenBegin: u32,
  tokenEnd: u32,
  workgroupOffset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
// The state entering this dispatch (unread by the first) and the state leaving it: two buffers,
// since the workgroups of one dispatch do not run at once and every column's workgroup reads z.
@group(0) @binding(5) var<storage, read> stateIn: array<f32>;
@group(0) @binding(6) var<storage, read_write> stateOut: array<f32>;

// One block of TB tokens as this lane needs it: element e = t R + i is vec4 p + LANES i of token t.
struct Block {
  k: array<vec4<f32>, 8>,
  q: array<vec4<f32>, 8>,
  v: array<f32, 8>, // [t]: v_t of this column
  a: array<f32, 8>, // [t]: the decay, 1 with the gate off or past the range
}

fn loadBlock(t0: u32, end: u32, head: u32, col: u32, p: u32) -> Block {
  let D4 = D / 4u;
  let T = params.tokens;
  var b: Block;
  // Literal bounds (loops the compiler unrolls; R and TB are constants once the overrides are
  // substituted, so the conditions fold).
  for (var e = 0u; e < 8u; e++) {
    let t = e / R;
    let i = e % R;
    b.k[e] = vec4<f32>(0.0);
    b.q[e] = vec4<f32>(0.0);
    if (t < TB && t0 + t < end) {
      let g = (head * T + t0 + t) * D4 + p + LANES * i;
      b.k[e] = phi4(k[g]);
      b.q[e] = phi4(q[g]);
    }
  }
  for (var t = 0u; t < 8u; t++) {
    b.v[t] = 0.0;
    b.a[t] = 1.0;
    if (t < TB && t0 + t < end) {
      b.v[t] = v[(head * T + t0 + t) * D + col];
      if (GATED) {
        b.a[t] = exp(gate(head * T + t0 + t));
      }
    }
  }
  return b;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let columns = (params.workgroupOffset + wid.x) * (64u / LANES) + lid / LANES;
  let head = columns / D;
  let col = columns % D;
  let p = lid % LANES;
  let T = params.tokens;
  let stateBase = head * D * (D + 1u);
  let fresh = params.tokenBegin == 0u;

  // s[i], z[i]: rows 4 (p + LANES i) .. + 3 of column col, and of z.
  var s: array<vec4<f32>, 8>;
  var z: array<vec4<f32>, 8>;
  for (var i = 0u; i < 8u; i++) {
    s[i] = vec4<f32>(0.0);
    z[i] = vec4<f32>(0.0);
    if (i < R && !fresh) {
      let r = 4u * (p + LANES * i);
      s[i] = vec4<f32>(
        stateIn[stateBase + r * D + col],
        stateIn[stateBase + (r + 1u) * D + col],
        stateIn[stateBase + (r + 2u) * D + col],
        stateIn[stateBase + (r + 3u) * D + col],
      );
      z[i] = vec4<f32>(
        stateIn[stateBase + D * D + r],
        stateIn[stateBase + D * D + r + 1u],
        stateIn[stateBase + D * D + r + 2u],
        stateIn[stateBase + D * D + r + 3u],
      );
    }
  }

  let end = params.tokenEnd;
  var next = loadBlock(params.tokenBegin, end, head, col, p);
  for (var t0 = params.tokenBegin; t0 < end; t0 += TB) {
    let cur = next;
    // The next block's loads go out before this block's arithmetic (past the end they load
    // nothing).
    next = loadBlock(t0 + TB, end, head, col, p);
    for (var t = 0u; t < 8u; t++) {
      if (t < TB) {
        var num = 0.0;
        var den = 0.0;
        for (var i = 0u; i < 8u; i++) {
          if (i < R) {
            let kk = cur.k[t * R + i];
            let qq = cur.q[t * R + i];
            if (GATED) {
              s[i] = fma(kk, vec4<f32>(cur.v[t]), cur.a[t] * s[i]);
            } else {
              s[i] = fma(kk, vec4<f32>(cur.v[t]), s[i]);
            }
            num += dot(qq, s[i]);
            if (NORMALIZE) {
              if (GATED) {
                z[i] = fma(z[i], vec4<f32>(cur.a[t]), kk);
              } else {
                z[i] += kk;
              }
              den += dot(qq, z[i]);
            }
          }
        }
        // The column's sums over its LANES lanes (off the state's dependency chain).
        var nd = vec2<f32>(num, den);
        for (var o = 1u; o < LANES; o <<= 1u) {
          nd += subgroupShuffleXor(nd, o);
        }
        let tok = t0 + t;
        if (p == t % LANES && tok < end) {
          out[(head * T + tok) * D + col] = select(nd.x, nd.x / (nd.y + EPS), NORMALIZE);
        }
      }
    }
  }

  for (var i = 0u; i < 8u; i++) {
    if (i < R) {
      let r = 4u * (p + LANES * i);
      stateOut[stateBase + r * D + col] = s[i].x;
      stateOut[stateBase + (r + 1u) * D + col] = s[i].y;
      stateOut[stateBase + (r + 2u) * D + col] = s[i].z;
      stateOut[stateBase + (r + 3u) * D + col] = s[i].w;
      if (col == 0u) {
        stateOut[stateBase + D * D + r] = z[i].x;
        stateOut[stateBase + D * D + r + 1u] = z[i].y;
        stateOut[stateBase + D * D + r + 2u] = z[i].z;
        stateOut[stateBase + D * D + r + 3u] = z[i].w;
      }
    }
  }
}
