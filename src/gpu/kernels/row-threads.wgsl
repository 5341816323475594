// Shared by softmax-backward-delta.wgsl and linear-backward-finish.wgsl (with thread-items.wgsl,
// composed before each by src/gpu/wgsl.ts's ROW_THREADS_WGSL): one thread per (head, token) row.
// The kernel defines threadItem(row).

struct Params {
  items: u32, // heads * tokens
}

@group(0) @binding(0) var<uniform> params: Params;
