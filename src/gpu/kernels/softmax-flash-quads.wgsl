// Shared by softmax-flash-quad.wgsl and softmax-flash-sliced.wgsl (composed by src/gpu/wgsl.ts):
// a row's output held as a mat4x4 whose column i is output quad tx + TX i, written at the end or
// read back to resume a chunk.

// Row i's output: normalised, or (chunk left) unnormalised with the row's (max, sum) beside it.
fn finishRow(i: u32, T: u32, base: u32, sbase: u32, tx: u32, save: bool, mr: f32, lr: f32, a: mat4x4<f32>) {
  if (i < T) {
    let ob = base + i * D4 + tx;
    let f = select(1.0 / lr, 1.0, save);
    out[ob] = a[0] * f;
    out[ob + TX] = a[1] * f;
    out[ob + 2u * TX] = a[2] * f;
    out[ob + 3u * TX] = a[3] * f;
    if (save && tx == 0u) {
      state[sbase + i] = vec2<f32>(mr, lr);
    }
  }
}

// Row r's unnormalised output (columns tx + TX i), to resume a chunk.
fn loadRow(ob: u32) -> mat4x4<f32> {
  return mat4x4<f32>(out[ob], out[ob + TX], out[ob + 2u * TX], out[ob + 3u * TX]);
}
