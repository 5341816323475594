// The matrix operations of softmax-flash-f16-mma.wgsl written out in plain WGSL, with the
// semantics of the subgroup-matrix builtins (softmax-flash-f16-sgm.wgsl): every invocation of a
// "subgroup" (SGS consecutive invocations) holds the whole 16 x 16 matrix and computes the whole
// product, and each stores its share of the result. Slow (SGS times the work), for testing the
// kernel's tiling where no device offers subgroup matrices (SwiftShader); there flash-f16.ts makes
// `h` f32 and toH round to f16 through pack2x16float, so the arithmetic matches the f16 kernel's:
// f16 operands, f32 accumulation.

alias SgLeft = array<h, 256>;
alias SgRight = array<h, 256>;
alias SgAcc = array<f32, 256>;

fn sgInit(lane: u32) {}

fn sgZero() -> SgAcc {
  return SgAcc();
}

fn loadQ(off: u32) -> SgLeft {
  var a: SgLeft;
  for (var e = 0u; e < 256u; e++) {
    a[e] = ps[off + (e / 16u) * D + e % 16u];
  }
  return a;
}

// Element (dim r, key c) of K^T at off + c D + r, stored [r][c].
fn loadKT(off: u32) -> SgRight {
  var b: SgRight;
  for (var e = 0u; e < 256u; e++) {
    b[e] = ks[off + (e % 16u) * D + e / 16u];
  }
  return b;
}

fn loadP(off: u32) -> SgLeft {
  var a: SgLeft;
  for (var e = 0u; e < 256u; e++) {
    a[e] = ps[off + (e / 16u) * BC + e % 16u];
  }
  return a;
}

fn loadV(off: u32) -> SgRight {
  var b: SgRight;
  for (var e = 0u; e < 256u; e++) {
    b[e] = vs[off + (e / 16u) * D + e % 16u];
  }
  return b;
}

fn mma(a: SgLeft, b: SgRight, acc: SgAcc) -> SgAcc {
  var r = acc;
  for (var i = 0u; i < 16u; i++) {
    for (var j = 0u; j < 16u; j++) {
      var s = r[i * 16u + j];
      for (var x = 0u; x < 16u; x++) {
        s = fma(f32(a[i * 16u + x]), f32(b[x * 16u + j]), s);
      }
      r[i * 16u + j] = s;
    }
  }
  return r;
}

fn mmaQK(a: SgLeft, b: SgRight, acc: SgAcc) -> SgAcc {
  return mma(a, b, acc);
}

fn mmaPV(a: SgLeft, b: SgRight, acc: SgAcc) -> SgAcc {
  return mma(a, b, acc);
}

fn storeAcc(off: u32, stride: u32, acc: SgAcc, lane: u32) {
  for (var e = lane; e < 256u; e += SGS) {
    sos[off + (e / 16u) * stride + e % 16u] = acc[e];
  }
}
