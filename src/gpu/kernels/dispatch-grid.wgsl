// Shared by the softmax kernels (composed by src/gpu/wgsl.ts): the grid prologue of a sliced
// dispatch (src/gpu/dispatch.ts). Workgroup (x, y) of the grid is work item
// params.offset + y * num_workgroups.x + x; the grid's padding past params.count has none
// (NO_ITEM). The kernel's Params must have `offset` and `count`. The item is uniform, so a
// kernel may return early on NO_ITEM and still reach its barriers in uniform control flow.

const NO_ITEM: u32 = 0xffffffffu;

// The entry point's grid builtins, both uniform across the workgroup (a struct that also held
// local_invocation_index would make the work item, and every barrier after an early return,
// non-uniform to WGSL's uniformity analysis).
struct Grid {
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
}

fn workItem(grid: Grid) -> u32 {
  let w = grid.wid.y * grid.nwg.x + grid.wid.x;
  return select(params.offset + w, NO_ITEM, w >= params.count);
}
