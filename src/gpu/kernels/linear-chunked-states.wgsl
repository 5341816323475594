// Shared by the whole-tile and the row-slice output kernels of the chunked forms
// (linear-chunked-output-whole.wgsl, linear-chunked-output-rows.wgsl; composed by
// src/gpu/forms/linear/chunked.ts): a workgroup of 256 threads reads its chunk's state S_b, Z_b
// (binding 5, `states`), from the prefix kernel's output or, with SUM_STATES, summed from the chunk
// summaries P_m, z_m themselves over the chunks before the block's:
//   S_b = sum_{m<b} A_{m+1} ... A_{b-1} P_m   (every A is 1 with the gate off),
// which spares the prefix its dispatch where a head has few chunks (the form decides).

// The states buffer holds the chunk summaries, not their prefix: each workgroup sums its S_b, Z_b.
override SUM_STATES: bool = false;

// Four vec4 registers of one thread: rows 4 ty + i of a 4 x 4 block (a: i = 0 .. d: i = 3), or the
// four vec4 loads a thread makes of a 64-row tile.
struct Quad4 {
  a: vec4<f32>,
  b: vec4<f32>,
  c: vec4<f32>,
  d: vec4<f32>,
}

// Element lid + 256 r of the chunk state S_b (D x D / 4 vec4s), zero past it.
fn loadState(stateBase: u32, lid: u32, r: u32) -> vec4<f32> {
  let e = lid + 256u * r;
  var x = vec4<f32>(0.0);
  if (e < D * (D / 4u)) {
    x = states[stateBase + e];
  }
  return x;
}

// The state S_b (D x D / 4 vec4s, elements lid + 256 r) and Z_b's features 4 tx .. 4 tx + 3 of the
// chunk whose states start at stateBase.
struct StateLoad {
  s: Quad4,
  z: vec4<f32>,
}

fn loadStates(stateBase: u32, lid: u32, tx: u32) -> StateLoad {
  var z = vec4<f32>(0.0);
  if (NORMALIZE && tx < D / 4u) {
    z = states[stateBase + D * (D / 4u) + tx];
  }
  return StateLoad(
    Quad4(
      loadState(stateBase, lid, 0u),
      loadState(stateBase, lid, 1u),
      loadState(stateBase, lid, 2u),
      loadState(stateBase, lid, 3u),
    ),
    z,
  );
}

// acc + w x, for each of a StateLoad's registers.
fn addState(acc: StateLoad, x: StateLoad, w: f32) -> StateLoad {
  return StateLoad(
    Quad4(fma(vec4<f32>(w), x.s.a, acc.s.a), fma(vec4<f32>(w), x.s.b, acc.s.b),
      fma(vec4<f32>(w), x.s.c, acc.s.c), fma(vec4<f32>(w), x.s.d, acc.s.d)),
    fma(vec4<f32>(w), x.z, acc.z),
  );
}

// A_m: the decay of chunk m of the block's head as a whole (1 with the gate off).
fn chunkDecay(blk: ChunkBlock, m: u32) -> f32 {
  if (!GATED) {
    return 1.0;
  }
  return exp(gate(blk.head * blk.T + min((m + 1u) * blk.C, blk.T) - 1u));
}

// SUM_STATES: S_b and Z_b of chunk b summed from the summaries of chunks b - 1 down to 0, each
// weighted by the decays of the chunks after it. Four chunks' loads are requested before their
// sums, so four latencies overlap.
fn sumStates(blk: ChunkBlock, b: u32, lid: u32, tx: u32) -> StateLoad {
  let STATE4 = D * (D + 1u) / 4u;
  let first = blk.headInGroup * params.chunks;
  var acc = StateLoad(Quad4(), vec4<f32>(0.0));
  var w = 1.0;
  var m = b; // chunks m .. b - 1 are summed
  for (; m >= 4u; m -= 4u) {
    let x0 = loadStates((first + m - 1u) * STATE4, lid, tx);
    let x1 = loadStates((first + m - 2u) * STATE4, lid, tx);
    let x2 = loadStates((first + m - 3u) * STATE4, lid, tx);
    let x3 = loadStates((first + m - 4u) * STATE4, lid, tx);
    acc = addState(acc, x0, w);
    w *= chunkDecay(blk, m - 1u);
    acc = addState(acc, x1, w);
    w *= chunkDecay(blk, m - 2u);
    acc = addState(acc, x2, w);
    w *= chunkDecay(blk, m - 3u);
    acc = addState(acc, x3, w);
    w *= chunkDecay(blk, m - 4u);
  }
  for (; m > 0u; m--) {
    acc = addState(acc, loadStates((first + m - 1u) * STATE4, lid, tx), w);
    w *= chunkDecay(blk, m - 1u);
  }
  return acc;
}

// The state of chunk b of the block's head: read, or summed (SUM_STATES).
fn chunkState(blk: ChunkBlock, b: u32, lid: u32, tx: u32) -> StateLoad {
  if (SUM_STATES) {
    return sumStates(blk, b, lid, tx);
  }
  return loadStates((blk.headInGroup * params.chunks + b) * (D * (D + 1u) / 4u), lid, tx);
}
