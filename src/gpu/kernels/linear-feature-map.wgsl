// The feature map phi of linear attention, applied elementwise to queries and keys
// (Katharopoulos et al. 2020). Prepended to every linear kernel.
// FEATURE_MAP: 0 identity, 1 softplus (the source post's choice), 2 elu(x) + 1 (Katharopoulos et al.).
override FEATURE_MAP: u32 = 1u;

fn phi(x: f32) -> f32 {
  switch FEATURE_MAP {
    case 0u: {
      return x;
    }
    case 1u: {
      // softplus(x) = max(x, 0) + log1p(exp(-|x|)): never overflows. WGSL has no log1p, and
      // log(1 + e) loses e's digits once e is small, so small e takes the series instead.
      let e = exp(-abs(x));
      let l = select(log(1.0 + e), e * (1.0 - e * (0.5 - e * (1.0 / 3.0))), e < 1e-2);
      return max(x, 0.0) + l;
    }
    default: {
      return select(exp(x), x + 1.0, x > 0.0);
    }
  }
}

// phi of four features at once: the tiled kernels load and stage vec4s.
fn phi4(x: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(phi(x.x), phi(x.y), phi(x.z), phi(x.w));
}
