// Linear attention's backward pass (chunked), step 7: through the feature map, in place,
//   dq = dphi(q) * phi'(q), dk = dphi(k) * phi'(k),
// and each token's share of the log-decay gradient, dG_t = phi(q_t) . dphi(q_t) - phi(k_t) . dphi(k_t)
// (the pair weights depend on G_i - G_j; dg_t is the sum of dG over s >= t:
// linear-backward-dg.wgsl). One thread per (head, token); Params, the uniform and the entry point:
// row-threads.wgsl, thread-items.wgsl.

@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read_write> dq: array<f32>;
@group(0) @binding(4) var<storage, read_write> dk: array<f32>;
@group(0) @binding(5) var<storage, read_write> dG: array<f32>;

fn threadItem(row: u32) {
  var s = 0.0;
  for (var x = row * D; x < (row + 1u) * D; x++) {
    let qx = q[x];
    let kx = k[x];
    let dqx = dq[x];
    let dkx = dk[x];
    s += phi(qx) * dqx - phi(kx) * dkx;
    dq[x] = dqx * phiPrime(qx);
    dk[x] = dkx * phiPrime(kx);
  }
  dG[row] = s;
}
