// Shared by softmax-flash.wgsl and softmax-flash-rows.wgsl (composed by src/gpu/wgsl.ts): key
// tile k0 (keys past T repeat key T - 1) into ks, rows padded by one vec4 so that threads reading
// different keys at the same column hit different banks, and vs, once every thread is done with
// the previous tile.
fn stagePaddedTile(k0: u32, base: u32, T: u32, lid: u32) {
  let D4 = D / 4u;
  let QS = D4 + 1u;
  workgroupBarrier();
  for (var e = lid; e < BC * D4; e += WG) {
    let r = e / D4;
    let c = e % D4;
    let src = base + min(k0 + r, T - 1u) * D4 + c;
    ks[r * QS + c] = k[src];
    vs[e] = v[src];
  }
  workgroupBarrier();
}
