// Shared by the subgroup kernels (softmax-flash-wide.wgsl, -quad, -sliced; composed by
// src/gpu/wgsl.ts): a row's TX threads are adjacent invocations of one subgroup, so its maximum
// and sum are exchanged with subgroupShuffleXor (no workgroup memory, no barrier).

fn hmax(a: vec4<f32>) -> f32 {
  return max(max(a.x, a.y), max(a.z, a.w));
}

fn hsum(a: vec4<f32>) -> f32 {
  return (a.x + a.y) + (a.z + a.w);
}

// Max over the TX adjacent invocations that share a row (one component per row).
fn rowMax(x: vec4<f32>) -> vec4<f32> {
  var m = x;
  for (var o = 1u; o < TX; o <<= 1u) {
    m = max(m, subgroupShuffleXor(m, o));
  }
  return m;
}

fn rowSum(x: vec4<f32>) -> vec4<f32> {
  var s = x;
  for (var o = 1u; o < TX; o <<= 1u) {
    s += subgroupShuffleXor(s, o);
  }
  return s;
}
