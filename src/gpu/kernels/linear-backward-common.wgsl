// Shared by the linear and gated backward kernels (composed after the feature map, the
// normaliser and the gate by src/gpu/backward/linear.ts): phi'(x), the decay factor, and the
// chunk a workgroup owns. States are laid out as the forward's: [heads][chunks][D * D, then D].

override D: u32 = 64u; // head dimension: 16, 32, 64 or 128
override NORMALIZE: bool = true;

// phi'(x) for the feature map phi of linear-feature-map.wgsl.
fn phiPrime(x: f32) -> f32 {
  switch FEATURE_MAP {
    case 0u: {
      return 1.0;
    }
    case 1u: {
      return 1.0 / (1.0 + exp(-x)); // softplus' = sigmoid
    }
    default: {
      return select(exp(x), 1.0, x > 0.0);
    }
  }
}

// exp(x) for a difference of cumulative log-decays (x <= 0 for every pair the kernels keep);
// 1 with the gate off, where no exp is computed.
fn decay(x: f32) -> f32 {
  if (GATED) {
    return exp(min(x, 0.0));
  }
  return 1.0;
}

struct ChunkParams {
  tokens: u32,
  workgroupOffset: u32,
  chunks: u32,
  chunkSize: u32, // at most 64: one chunk per tile
}

// The chunk a workgroup owns (index head * chunks + chunk): its first row (head * T + start), its
// length, and its state.
var<private> base: u32;
var<private> n: u32;
var<private> state: u32;
// cum of the chunk's last token: the decay to the chunk's end is decay(gate(last) - gate(j)).
var<private> last: u32;

fn enterChunk(index: u32, p: ChunkParams) {
  let head = index / p.chunks;
  let start = (index % p.chunks) * p.chunkSize;
  base = head * p.tokens + start;
  n = min(p.chunkSize, p.tokens - start);
  state = index * (D * D + D);
  last = base + n - 1u;
}
