// Shared by the softmax kernels (composed by src/gpu/wgsl.ts): the grid prologue of a sliced
// dispatch (src/gpu/dispatch.ts). Workgroup (x, y) of the grid is work item
// params.offset + y * num_workgroups.x + x; the grid's padding past params.count has none
// (NO_ITEM). The kernel's Params must have `offset` and `count`. Pass the workgroup_id and
// num_workgroups builtins themselves (not a struct that also holds local_invocation_index, which
// the uniformity analysis would treat as varying): the item is then uniform, and a kernel may
// return early on NO_ITEM and still reach its barriers in uniform control flow.

const NO_ITEM: u32 = 0xffffffffu;

fn workItem(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  let w = wid.y * nwg.x + wid.x;
  return select(params.offset + w, NO_ITEM, w >= params.count);
}
