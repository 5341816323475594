// The trainer's kernels run one invocation per item on a 2-D grid of workgroups (a dispatch has at
// most 65,535 workgroups along x): item = x + y * (workgroups along x) * WORKGROUP_SIZE.
// Prepended to every train-*.wgsl kernel by src/gpu/train/kernels.ts.
override WORKGROUP_SIZE: u32 = 64u;

fn itemIndex(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.x + gid.y * groups.x * WORKGROUP_SIZE;
}
