// Shared by linear-backward-dq.wgsl, linear-backward-dv.wgsl and linear-backward-dk.wgsl (composed
// after backward-tiles.wgsl by src/gpu/backward/linear.ts): the chunk's output rows, 64 columns at
// a time (colBase), as product 1 (inner size inner1) plus product 2 (inner size inner2), written
// through the kernel's storeRow(r, c, value) for row r < n of the chunk and column c < D.

var<private> colBase: u32;

fn chunkColumns(lid: u32, inner1: u32, inner2: u32) {
  let tx = lid % 16u;
  let ty = lid / 16u;
  for (var cb = 0u; cb < D; cb += 64u) {
    colBase = cb;
    var acc = zeroTile();
    tileProduct(1u, inner1, lid, &acc);
    tileProduct(2u, inner2, lid, &acc);
    for (var i = 0u; i < 4u; i++) {
      let r = 4u * ty + i;
      if (r < n) {
        for (var j = 0u; j < 4u; j++) {
          let c = cb + 4u * tx + j;
          if (c < D) {
            storeRow(r, c, acc[i][j]);
          }
        }
      }
    }
  }
}
