// The epsilon added to linear attention's denominator, phi(q_i) . z_i + EPS: NORMALIZER_EPS of
// src/gpu/types.ts, passed as this override by every form that normalises (composed before the
// kernel by src/gpu/wgsl.ts), so the CPU reference and every kernel use one value.
override EPS: f32;
