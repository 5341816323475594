// Shared by the one-thread-per-item kernels (composed after chunk-pairs.wgsl or row-threads.wgsl
// by src/gpu/wgsl.ts): the entry point, 64 threads per workgroup over a 2-D grid of workgroups.
// Params has `items`; the kernel or piece defines threadItem(item) for each item < items.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let item = gid.x + gid.y * groups.x * 64u;
  if (item >= params.items) {
    return;
  }
  threadItem(item);
}
