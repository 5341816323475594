// The matrix operations of softmax-flash-f16-mma.wgsl on WebGPU's subgroup matrices (Chromium's
// experimental `chromium-experimental-subgroup-matrix`, mapped to Vulkan cooperative matrices or
// Metal simdgroup matrices): 16 x 16 f16 operands, f32 results. The module header (f16, the
// extension, and the subgroup-uniformity diagnostic turned off because the subgroup's rows come
// from local_invocation_index, which the analysis cannot see is subgroup-uniform) is prepended by
// flash-f16.ts.

alias SgLeft = subgroup_matrix_left<f16, 16, 16>;
alias SgRight = subgroup_matrix_right<f16, 16, 16>;
alias SgAcc = subgroup_matrix_result<f32, 16, 16>;

fn sgInit(lane: u32) {}

fn sgZero() -> SgAcc {
  return SgAcc();
}

// Q rows from ps, row-major with stride D.
fn loadQ(off: u32) -> SgLeft {
  return subgroupMatrixLoad<SgLeft>(&ps, off, false, D);
}

// K^T (dims x keys) from ks [key][dim]: column-major with stride D.
fn loadKT(off: u32) -> SgRight {
  return subgroupMatrixLoad<SgRight>(&ks, off, true, D);
}

// P rows from ps, row-major with stride BC.
fn loadP(off: u32) -> SgLeft {
  return subgroupMatrixLoad<SgLeft>(&ps, off, false, BC);
}

// V (keys x dims) from vs, row-major with stride D.
fn loadV(off: u32) -> SgRight {
  return subgroupMatrixLoad<SgRight>(&vs, off, false, D);
}

fn mmaQK(a: SgLeft, b: SgRight, acc: SgAcc) -> SgAcc {
  return subgroupMatrixMultiplyAccumulate(a, b, acc);
}

fn mmaPV(a: SgLeft, b: SgRight, acc: SgAcc) -> SgAcc {
  return subgroupMatrixMultiplyAccumulate(a, b, acc);
}

// Stores the 16 x 16 result row-major into sos at `off` with `stride` (lane: unused here).
fn storeAcc(off: u32, stride: u32, acc: SgAcc, lane: u32) {
  subgroupMatrixStore(&sos, off, acc, false, stride);
}
