// The element type QKV of phi(Q), phi(K) and V as the chunked linear kernels read them (composed
// first by src/gpu/forms/linear/common.ts): f32 for every float32 form. linear-chunked-f16 composes
// linear-inputs-f16.wgsl (or, without shader-f16, linear-inputs-f16-emulated.wgsl) instead.
alias QKV = f32;
