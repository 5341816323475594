"""Native baselines on the reference GPU, measured in rounds like the WGSL kernels.

Runs on the GPU machine's own Python (PyTorch with CUDA); scripts/gpu-reference-device.sh calls it in
the same call as the bench CLI. Batch 1, causal, random inputs. fp32 means TF32 off in PyTorch;
bf16 uses the tensor cores (scaled_dot_product_attention then runs FlashAttention-2).

  python3 torch-anchor.py --dtypes fp32,bf16 --rounds 3 --tokens 128,...,131072 --json out.json

Round r visits every dtype, every length and every form once (PyTorch's kernels in all rounds first,
then flash-linear-attention, whose Triton kernels take long to compile); each visit takes the
median of a few timed calls (CUDA events) after warm-up. make-reference-data.mjs combines the rounds: the median of
the round medians, with min, quartiles and max. The JSON is rewritten after every row, so a call
stopped by its time limit keeps everything it measured.

Forms:
  sgemm               N x N matmul (N = 8192) in the dtype: the practical dense rate
  copy                device-to-device copy of 2 GiB: the practical memory bandwidth (bytes read + written)
  softmax-sdpa        torch.nn.functional.scaled_dot_product_attention(is_causal=True)
  linear-chunked      eager PyTorch chunked linear attention (chunk 64), identity features, no normaliser
  linear-chunked-norm the same with softplus features and the normaliser
  fla-chunk[-norm]    flash-linear-attention's Triton chunk_linear_attn (identity / softplus features with its
                      normaliser), when `fla` imports. Its fp32 dots follow TRITON_F32_DEFAULT: unset, Triton uses
                      TF32, a faster arithmetic than true fp32 (recorded in each row's `precision`).

--train times a training step of attention alone instead (rows with pass 'train'; the forward rows
have pass 'forward'): forward plus torch.autograd.grad of the output against q, k, v (and g) with a
random upstream gradient, i.e. what loss.backward() runs for the attention. Forms: softmax-sdpa,
linear-chunked-norm (eager, autograd through softplus and the normaliser), fla-chunk, fla-chunk-norm
(softplus inside the step, so its gradient is included) and fla-gla-chunk (chunk_simple_gla, also dg).
"""
import argparse, json, os, sys, time
import torch
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
FORMAT = 'linear-attention-live/torch-anchor'


def bench(fn, reps):
    """Median ms of `reps` calls after warm-up; one warm-up call only when a call is slow."""
    fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    if time.perf_counter() - t0 < 0.05:
        fn()
    torch.cuda.synchronize()
    if time.perf_counter() - t0 > 0.1:
        reps = min(reps, 3)
    times = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); torch.cuda.synchronize()
        times.append(s.elapsed_time(e))
    times.sort()
    return times[len(times) // 2]


def chunked_linear(q, k, v, c=64, normalize=False, eps=1e-6):
    """q, k, v: [H, T, d] with T a multiple of c. Causal (j <= i), as in the chunked formulation."""
    H, T, d = q.shape
    n = T // c
    if normalize:
        q, k = F.softplus(q), F.softplus(k)
    qc, kc, vc = (t.reshape(H, n, c, d) for t in (q, k, v))
    kv = torch.einsum('hncd,hnce->hnde', kc, vc)             # per-chunk sum of k v^T
    S = torch.cumsum(kv, dim=1) - kv                          # state entering each chunk (exclusive prefix)
    scores = torch.einsum('hncd,hnmd->hncm', qc, kc)
    scores = scores.masked_fill(~torch.ones(c, c, device=q.device, dtype=torch.bool).tril(), 0)
    num = torch.einsum('hncd,hnde->hnce', qc, S) + torch.einsum('hncm,hnme->hnce', scores, vc)
    if normalize:
        ksum = kc.sum(dim=2)
        z = torch.cumsum(ksum, dim=1) - ksum                  # key sum entering each chunk
        den = torch.einsum('hncd,hnd->hnc', qc, z) + scores.sum(-1)
        num = num / (den.unsqueeze(-1) + eps)
    return num.reshape(H, T, d)


def load_fla():
    try:
        from fla.ops.linear_attn import chunk_linear_attn
        from fla.ops.simple_gla import chunk_simple_gla
        return chunk_linear_attn, chunk_simple_gla
    except Exception as e:  # the package is optional
        print('fla not available:', type(e).__name__, str(e)[:120], flush=True)
        return None, None


def sdpa_backends(dt):
    """Which SDPA backends accept a causal [1, 12, 1024, 64] input of this dtype."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    q = torch.randn(1, 12, 1024, 64, device='cuda', dtype=dt)
    ok = []
    for name in ('FLASH_ATTENTION', 'EFFICIENT_ATTENTION', 'CUDNN_ATTENTION', 'MATH'):
        backend = getattr(SDPBackend, name, None)
        if backend is None:
            continue
        try:
            with sdpa_kernel(backend):
                F.scaled_dot_product_attention(q, q, q, is_causal=True)
            torch.cuda.synchronize()
            ok.append(name.lower())
        except Exception:
            pass
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tokens', default='1024,4096,16384,65536')
    ap.add_argument('--fla-tokens', default=None, help='lengths for fla (default: --tokens)')
    ap.add_argument('--heads', type=int, default=12)
    ap.add_argument('--dim', type=int, default=64)
    ap.add_argument('--dtypes', default='fp32', help='fp32, bf16 or both, comma-separated')
    ap.add_argument('--rounds', type=int, default=1)
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--train', action='store_true', help='time forward + backward (pass: train)')
    ap.add_argument('--json')
    a = ap.parse_args()
    dtypes = [d for d in a.dtypes.split(',') if d]
    for d in dtypes:
        if d not in ('fp32', 'bf16'):
            sys.exit(f'torch-anchor: --dtypes takes fp32 and bf16, not "{d}".')
    tokens = [int(t) for t in a.tokens.split(',')]
    fla_tokens = set(int(t) for t in (a.fla_tokens or a.tokens).split(','))
    dev = 'cuda'
    H, d = a.heads, a.dim
    triton_f32 = os.environ.get('TRITON_F32_DEFAULT', 'tf32')
    meta = dict(format=FORMAT, version=1, passes=['train' if a.train else 'forward'], device=torch.cuda.get_device_name(), torch=torch.__version__,
                tritonF32Default=triton_f32, rounds=a.rounds, dtypes=dtypes, heads=H, dim=d,
                started=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                sdpaBackends={dt: sdpa_backends(torch.float32 if dt == 'fp32' else torch.bfloat16) for dt in dtypes})
    print(meta['device'], 'torch', meta['torch'], 'TRITON_F32_DEFAULT', triton_f32,
          'SDPA backends accepting causal input:', meta['sdpaBackends'], flush=True)
    chunk_linear_attn, chunk_simple_gla = load_fla()
    rows = []

    def save():
        if a.json:
            with open(a.json, 'w') as f:
                json.dump(dict(meta, records=rows), f, indent=1)

    t0 = time.perf_counter()

    def add(**row):
        row['elapsedS'] = round(time.perf_counter() - t0, 2)
        rows.append(row)
        save()                                                # a call stopped by its deadline keeps every row
        tf = f"{row['tflops']:.1f} TFLOP/s" if row.get('tflops') else ''
        row.setdefault('pass', 'forward')
        print(f"round {row['round']} {row['pass']:7s} {row['dtype']} {row['impl']:5s} {row['form']:20s} T={row['tokens']:7d} "
              f"{row['ms']:10.4f} ms {tf}", flush=True)

    if a.train:
        train(a, tokens, fla_tokens, H, d, dev, triton_f32, chunk_linear_attn, chunk_simple_gla, add, save)
        meta['finished'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
        save()
        return

    # Phase 1, PyTorch's own kernels: every round, dtype and length. Phase 2, fla, whose Triton
    # kernels compile (and autotune) on first use for each dtype: last, so a call that runs out of
    # time keeps every native baseline.
    for r in range(a.rounds):
        for dname in dtypes:
            dt = torch.float32 if dname == 'fp32' else torch.bfloat16
            base = dict(round=r, dtype=dname, heads=H, dim=d)
            N = 8192
            x, y = torch.randn(N, N, device=dev, dtype=dt), torch.randn(N, N, device=dev, dtype=dt)
            ms = bench(lambda: x @ y, a.reps)
            add(impl='torch', form='sgemm', **dict(base, heads=1, dim=N), tokens=N, ms=ms, tflops=2 * N ** 3 / ms / 1e9)
            del x, y
            if dname == 'fp32':
                src = torch.empty(2 ** 29, device=dev)        # 2 GiB of fp32
                dst = torch.empty_like(src)
                ms = bench(lambda: dst.copy_(src), a.reps)
                add(impl='torch', form='copy', **dict(base, heads=0, dim=0), tokens=0, ms=ms, tflops=None,
                    gbps=2 * src.numel() * 4 / ms / 1e6)
                del src, dst
            for T in tokens:
                q, k, v = (torch.randn(1, H, T, d, device=dev, dtype=dt) for _ in range(3))
                causal_flops = 2 * H * T * T * d              # QK^T and PV over the causal half
                ms = bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True), a.reps)
                add(impl='torch', form='softmax-sdpa', **base, tokens=T, ms=ms, tflops=causal_flops / ms / 1e9)
                if T % 64 == 0:
                    for form, norm in (('linear-chunked', False), ('linear-chunked-norm', True)):
                        ms = bench(lambda: chunked_linear(q[0], k[0], v[0], normalize=norm), a.reps)
                        add(impl='torch', form=form, **base, tokens=T, ms=ms, tflops=None)
                del q, k, v
                torch.cuda.empty_cache()
                save()
    for r in range(a.rounds if chunk_linear_attn is not None else 0):
        for dname in dtypes:
            dt = torch.float32 if dname == 'fp32' else torch.bfloat16
            base = dict(round=r, dtype=dname, heads=H, dim=d)
            for T in [t for t in tokens if t in fla_tokens]:
                qt, kt, vt = (torch.randn(1, T, H, d, device=dev, dtype=dt) for _ in range(3))  # fla: [B, T, H, d]
                qs, ks = F.softplus(qt), F.softplus(kt)
                for form, args, norm in (('fla-chunk', (qt, kt, vt), False), ('fla-chunk-norm', (qs, ks, vt), True)):
                    try:
                        ms = bench(lambda: chunk_linear_attn(*args, scale=1.0, normalize=norm), a.reps)
                        add(impl='fla', form=form, **base, tokens=T, ms=ms, tflops=None,
                            precision=triton_f32 if dname == 'fp32' else 'bf16')
                    except Exception as e:
                        print('fla', form, T, 'failed:', type(e).__name__, str(e)[:160], flush=True)
                # Gated: chunk_simple_gla, one log decay g_t per token and head, no normaliser; g drawn as
                # the bench draws the gated forms' decays (a_t = exp(g_t) uniform in [0.9, 1)).
                g = torch.log1p(-0.1 * torch.rand(1, T, H, device=dev, dtype=torch.float32)).to(dt)
                try:
                    ms = bench(lambda: chunk_simple_gla(qt, kt, vt, g=g, scale=1.0), a.reps)
                    add(impl='fla', form='fla-gla-chunk', **base, tokens=T, ms=ms, tflops=None,
                        precision=triton_f32 if dname == 'fp32' else 'bf16')
                except Exception as e:
                    print('fla gla', T, 'failed:', type(e).__name__, str(e)[:160], flush=True)
                del qt, kt, vt, qs, ks, g
                torch.cuda.empty_cache()
                save()
    meta['finished'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    save()


def train(a, tokens, fla_tokens, H, d, dev, triton_f32, chunk_linear_attn, chunk_simple_gla, add, save):
    """Training steps of attention alone: forward, then the gradients of q, k, v (and g) for a random
    upstream gradient dO (torch.autograd.grad, what loss.backward() runs for this op). Same phases as the
    forward mode: PyTorch's kernels in every round first, then fla (Triton compiles on first use)."""
    def step(fn, inputs, dout):
        def run():
            out = fn(*inputs)
            torch.autograd.grad(out, inputs, dout)
        return run

    for r in range(a.rounds):
        for dname in a.dtypes.split(','):
            dt = torch.float32 if dname == 'fp32' else torch.bfloat16
            base = dict(round=r, dtype=dname, heads=H, dim=d)
            base['pass'] = 'train'
            for T in tokens:
                q, k, v = (torch.randn(1, H, T, d, device=dev, dtype=dt, requires_grad=True) for _ in range(3))
                dout = torch.randn(1, H, T, d, device=dev, dtype=dt)
                # forward 2 H T^2 d (causal halves of QK^T and PV), backward twice that
                flops = 3 * 2 * H * T * T * d
                sdpa = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)
                ms = bench(step(sdpa, (q, k, v), dout), a.reps)
                add(impl='torch', form='softmax-sdpa', **base, tokens=T, ms=ms, tflops=flops / ms / 1e9)
                if dname == 'fp32' and T % 64 == 0:
                    lin = lambda q, k, v: chunked_linear(q[0], k[0], v[0], normalize=True)
                    ms = bench(step(lin, (q, k, v), dout[0]), a.reps)
                    add(impl='torch', form='linear-chunked-norm', **base, tokens=T, ms=ms, tflops=None)
                del q, k, v, dout
                torch.cuda.empty_cache()
                save()
    for r in range(a.rounds if chunk_linear_attn is not None else 0):
        for dname in a.dtypes.split(','):
            dt = torch.float32 if dname == 'fp32' else torch.bfloat16
            base = dict(round=r, dtype=dname, heads=H, dim=d, precision=triton_f32 if dname == 'fp32' else 'bf16')
            base['pass'] = 'train'
            for T in [t for t in tokens if t in fla_tokens]:
                q, k, v = (torch.randn(1, T, H, d, device=dev, dtype=dt, requires_grad=True) for _ in range(3))
                g = torch.log1p(-0.1 * torch.rand(1, T, H, device=dev, dtype=torch.float32)).to(dt).requires_grad_()
                dout = torch.randn(1, T, H, d, device=dev, dtype=dt)
                forms = (
                    ('fla-chunk', lambda q, k, v: chunk_linear_attn(q, k, v, scale=1.0, normalize=False)[0], (q, k, v)),
                    ('fla-chunk-norm', lambda q, k, v: chunk_linear_attn(F.softplus(q), F.softplus(k), v, scale=1.0,
                                                                          normalize=True)[0], (q, k, v)),
                    ('fla-gla-chunk', lambda q, k, v, g: chunk_simple_gla(q, k, v, g=g, scale=1.0)[0], (q, k, v, g)),
                )
                for form, fn, inputs in forms:
                    try:
                        ms = bench(step(fn, inputs, dout), a.reps)
                        add(impl='fla', form=form, **base, tokens=T, ms=ms, tflops=None)
                    except Exception as e:
                        print('fla', form, T, 'failed:', type(e).__name__, str(e)[:160], flush=True)
                del q, k, v, g, dout
                torch.cuda.empty_cache()
                save()


if __name__ == '__main__':
    main()
