// The dispatch-floor probe's kernel (src/gpu/dispatch-floor.ts), not attention: each invocation
// adds one to its own element. A read-modify-write of the one buffer it is given, so two
// dispatches on the same buffer depend on each other (Dawn puts a barrier between them), and so
// little work that the time of a run is the cost of passes, dispatches and barriers.
override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read_write> data: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i < arrayLength(&data)) {
    data[i] = data[i] + 1.0;
  }
}
