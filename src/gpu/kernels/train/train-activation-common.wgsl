// Shared by train-activation.wgsl and its backward pass: the element count (binding 0), the
// choice of non-linearity and GELU's tanh approximation (Hendrycks and Gimpel 2016, as GPT-2).
override ACTIVATION: u32 = 0u; // 0: GELU, 1: ReLU

struct Shape {
  count: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;

const GELU_C: f32 = 0.7978845608028654; // sqrt(2 / pi)
const GELU_A: f32 = 0.044715;

// tanh(GELU_C (x + GELU_A x^3)), so that GELU(x) = x (1 + t) / 2. tanh's argument is clamped:
// tanh(15) is 1 in f32, and some drivers' tanh overflows beyond ~89.
fn geluTanh(x: f32) -> f32 {
  return tanh(clamp(GELU_C * (x + GELU_A * x * x * x), -15.0, 15.0));
}
