// The matrix operations of softmax-flash-f16-mma.wgsl in plain WGSL, shared out among the
// invocations (no subgroup matrices, no subgroup operations: what a browser with shader-f16 alone
// offers): in each group of SGS = 32 invocations, invocation `lane` owns row lane / 2 and the 8
// columns 8 (lane % 2) .. + 7 of every 16 x 16 result. A left operand is that row (16 values,
// read from workgroup memory into registers); a right operand stays in workgroup memory (its
// offset); products are f16 x f16 in f32 (exact), accumulated in f32, as on matrix units.
// flash-f16.ts prepends `alias h = f16;` (or f32 with toH rounding where shader-f16 is absent).

alias SgLeft = array<h, 16>;
alias SgRight = u32;
alias SgAcc = array<f32, 8>;

var<private> laneRow: u32;
var<private> laneCol: u32;

fn sgInit(lane: u32) {
  laneRow = lane / 2u;
  laneCol = 8u * (lane % 2u);
}

fn sgZero() -> SgAcc {
  return SgAcc();
}

fn loadQ(off: u32) -> SgLeft {
  var a: SgLeft;
  for (var x = 0u; x < 16u; x++) {
    a[x] = ps[off + laneRow * D + x];
  }
  return a;
}

fn loadP(off: u32) -> SgLeft {
  var a: SgLeft;
  for (var x = 0u; x < 16u; x++) {
    a[x] = ps[off + laneRow * BC + x];
  }
  return a;
}

fn loadKT(off: u32) -> SgRight {
  return off;
}

fn loadV(off: u32) -> SgRight {
  return off;
}

// Scores of this lane's row with keys laneCol .. + 7: K^T's column c is key c's row in ks.
fn mmaQK(a: SgLeft, b: SgRight, acc: SgAcc) -> SgAcc {
  var r = acc;
  for (var j = 0u; j < 8u; j++) {
    let kb = b + (laneCol + j) * D;
    var s = 0.0;
    for (var x = 0u; x < 16u; x++) {
      s = fma(f32(a[x]), f32(ks[kb + x]), s);
    }
    r[j] += s;
  }
  return r;
}

// This lane's row of P times columns laneCol .. + 7 of V (rows: keys, stride D).
fn mmaPV(a: SgLeft, b: SgRight, acc: SgAcc) -> SgAcc {
  var r = acc;
  for (var x = 0u; x < 16u; x++) {
    let p = f32(a[x]);
    let vb = b + x * D + laneCol;
    for (var j = 0u; j < 8u; j++) {
      r[j] = fma(p, f32(vs[vb + j]), r[j]);
    }
  }
  return r;
}

fn storeAcc(off: u32, stride: u32, acc: SgAcc, lane: u32) {
  for (var j = 0u; j < 8u; j++) {
    sos[off + laneRow * stride + laneCol + j] = acc[j];
  }
}
