// Shared by softmax-naive-rows.wgsl, decode-kv-cache.wgsl and decode-kv-cache-combine.wgsl
// (composed by src/gpu/wgsl.ts): the maximum and the sum of one value per invocation over the
// workgroup, a tree in workgroup memory. WG (the kernel's workgroup size) must be a power of two.
// Every invocation must call these together (they hold barriers); each gets the result.

var<workgroup> red: array<f32, WG>;

fn workgroupMax(x: f32, lid: u32) -> f32 {
  red[lid] = x;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      red[lid] = max(red[lid], red[lid + stride]);
    }
    workgroupBarrier();
  }
  let result = red[0];
  workgroupBarrier();  // red is free for the next reduction
  return result;
}

fn workgroupSum(x: f32, lid: u32) -> f32 {
  red[lid] = x;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      red[lid] += red[lid + stride];
    }
    workgroupBarrier();
  }
  let result = red[0];
  workgroupBarrier();
  return result;
}
