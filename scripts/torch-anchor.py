"""Native baselines on the reference GPU, measured in rounds like the WGSL kernels.

Runs on the GPU machine's own Python (PyTorch with CUDA); scripts/gpu-reference-device.sh calls it in
the same call as the bench CLI. Batch 1, causal, random inputs. fp32 means TF32 off in PyTorch;
bf16 uses the tensor cores (scaled_dot_product_attention then runs a fused kernel: FlashAttention-2,
cuDNN's or the memory-efficient one; the meta's sdpaDefault names the one torch._fused_sdp_choice
picks for a [1, 12, 1024, 64] input, each default row's `backend` the pick for its own input, and
sdpaKernels the GPU kernels one call launched at each length, by name, from PyTorch's profiler in a
child process, so that no profiler hook stays in the timing process).

  python3 torch-anchor.py --dtypes fp32,bf16 --rounds 3 --tokens 128,...,131072 --json out.json

What a number is. `ms` is a time per call: a batch of `batch` back-to-back calls runs between one
pair of CUDA events and its time is divided by `batch`. A short pilot picks the batch so that it
spans at least BATCH_MS (2 ms) of GPU time, at most MAX_BATCH (256) calls; a call that alone takes
2 ms runs once. Back to back, the launches of call i + 1 overlap the GPU work of call i, so a short
point is no longer the host's launch gap plus the kernel but the larger of the two per call: for
eager PyTorch code that launches many small kernels (the chunked reference here), the host can
still be the limit, which is what such code costs in use. `graphMs` (forward rows with batch > 1)
is the same batch captured in one CUDA graph and replayed, the GPU's time with no launches in it,
the closer match for our WGSL numbers (GPU timestamps around commands already recorded); null with
`graphError` where capturing fails. `singleMs` is the pilot's one call alone between two events,
the way every row was timed before 2026-12-02 (host launch gaps inside; kept to show the difference).

Round r visits every dtype, every length and every form once (PyTorch's kernels in all rounds first,
then flash-linear-attention, whose Triton kernels take long to compile); each visit warms up, pilots
the batch and takes the median of --reps timed batches (3 when a call takes over 0.1 s).
make-reference-data.mjs combines the rounds: the median of the round medians, with min, quartiles
and max. The JSON is rewritten after every row, so a call stopped by its time limit keeps
everything it measured.

Forms:
  sgemm               N x N matmul (N = 8192) in the dtype: the practical dense rate
  copy                device-to-device copy of 2 GiB: the practical memory bandwidth (bytes read + written)
  softmax-sdpa        torch.nn.functional.scaled_dot_product_attention(is_causal=True), PyTorch's choice
                      of backend (the row the tables use)
  softmax-sdpa-flash, -cudnn, -efficient
                      bf16 only: the same call under sdpa_kernel(FLASH_ATTENTION), (CUDNN_ATTENTION),
                      (EFFICIENT_ATTENTION); a backend that refuses an input is skipped, its reason
                      (the exception and PyTorch's warnings) in the meta's sdpaSkipped
  linear-chunked      eager PyTorch chunked linear attention (chunk 64), identity features, no normaliser
  linear-chunked-norm the same with softplus features and the normaliser
  fla-chunk[-norm]    flash-linear-attention's Triton chunk_linear_attn (identity / softplus features with its
                      normaliser), when `fla` imports. Its fp32 dots follow TRITON_F32_DEFAULT: unset, Triton uses
                      TF32, a faster arithmetic than true fp32 (recorded in each row's `precision`).
  fla-gla-chunk       fla's chunk_simple_gla (gated: one log decay per token and head, no normaliser)
--fla-forms picks the fla forms and their order.

--train times a training step of attention alone instead (rows with pass 'train'; the forward rows
have pass 'forward'): forward plus torch.autograd.grad of the output against q, k, v (and g) with a
random upstream gradient, i.e. what loss.backward() runs for the attention. Forms: softmax-sdpa,
linear-chunked-norm (eager, autograd through softplus and the normaliser), fla-chunk, fla-chunk-norm
(softplus inside the step, so its gradient is included) and fla-gla-chunk (chunk_simple_gla, also dg).
Steps are timed in batches too (`batch`, `singleMs`; no graphMs).

--layer times a training step of a whole pre-norm transformer block (rows with pass 'train' and
scope 'layer'; attention-alone rows have scope 'attention'): batch 1, H heads of d (dModel = H d,
MLP 4 dModel, GELU's tanh form, layer norms with gain and bias, fused QKV and output projections
without biases), forward, then y.backward(r) for a fixed random r (the gradient of the loss
sum(y * r)): the gradients of every parameter and of the block's input, no optimizer step. Attention
in the block: softmax-sdpa (fp32, TF32 off for every matmul, and bf16 with the whole block in bf16,
where SDPA runs its fused kernel), linear-chunked-norm (eager, fp32), fla-chunk-norm and
fla-gla-chunk (the gated block adds a gate projection to one log decay per head, log sigmoid).
The matmuls outside fla stay fp32 with TF32 off; only fla's Triton kernels follow TRITON_F32_DEFAULT.
--launch-floor times nothing else: a CUDA graph of k tiny kernels (k in-place adds on a one-element
tensor, k = --launch-ks, default 1,2,4,8), by the same method as graphMs (n calls of the k kernels in
one graph, replayed, the replay's time over n; n from the same pilot), in --rounds rounds with the
ks' order rotated, and the eager batched time beside it; per k the median over rounds, and the
least-squares slope over k: what one more kernel costs inside a graph, the native counterpart of
the bench's --dispatch-floor (a dispatch more in a WebGPU compute pass).
--train and --layer together run in one process, so fla compiles its kernels once for both; with
--deadline-s, fla's first (compiling, autotuning) call per dtype and form runs under an alarm and
is given up, with a sentence in the JSON, when it would leave too little time to measure.
"""
import argparse, json, math, os, signal, sys, time, warnings
PROCESS_START = time.perf_counter()                          # --deadline-s counts from here
import torch
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.set_float32_matmul_precision('highest')
FORMAT = 'linear-attention-live/torch-anchor'


def sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


BATCH_MS = 2.0      # a timed batch spans at least this much time...
MAX_BATCH = 256     # ...with at most this many calls; a call that alone takes BATCH_MS runs once


def batch_ms(fn, n):
    """Time of n back-to-back calls of fn between one pair of CUDA events (from the first kernel's
    start to the last one's end: host launch gaps count only where the GPU waited for the host); the
    wall clock on a CPU dry run (--device cpu)."""
    if torch.cuda.is_available():
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        for _ in range(n):
            fn()
        e.record()
        e.synchronize()
        return s.elapsed_time(e)
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) * 1e3


def pick_batch(fn):
    """(n, one): calls per timed batch, from a short pilot, and the pilot's one call alone (ms, as
    the script timed every call before batching). n is 1 when one call spans BATCH_MS, else enough
    calls for a batch to span it (one call, then a batch of the estimate to re-estimate, since
    back-to-back calls overlap their launches), at most MAX_BATCH."""
    one = batch_ms(fn, 1)
    if one >= BATCH_MS:
        return 1, one
    n = min(MAX_BATCH, max(2, math.ceil(BATCH_MS / max(one, 1e-3))))
    per = batch_ms(fn, n) / n
    if per * n < BATCH_MS:
        n = min(MAX_BATCH, max(n, math.ceil(BATCH_MS / max(per, 1e-3))))
    return n, one


def warm_up(fn, reps):
    """Warm-up calls (a second one only when a call is quick); returns the reps to time, at most 3
    when a call is slow (over 0.1 s)."""
    fn()
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    if time.perf_counter() - t0 < 0.05:
        fn()
    sync()
    return min(reps, 3) if time.perf_counter() - t0 > 0.1 else reps


def bench(fn, reps):
    """(ms, n, one): the median over `reps` timed batches of one batch's time over n, the per-call
    time of n back-to-back calls (n from pick_batch), after warm-up; and the pilot's single call."""
    reps = warm_up(fn, reps)
    n, one = pick_batch(fn)
    times = sorted(batch_ms(fn, n) / n for _ in range(reps))
    return times[len(times) // 2], n, one


def graph_ms(fn, n, reps):
    """(ms, None) per call of n calls captured in one CUDA graph, replayed and timed `reps` times
    (median): the GPU's time with no host launches in it, as our WGSL timestamps bracket commands
    already recorded. (None, reason) when capturing fails (no CUDA, an operation a graph cannot
    hold); the process goes on either way."""
    if not torch.cuda.is_available():
        return None, 'no CUDA'
    try:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):                        # warm-up on a side stream, as capture asks
            fn()
        torch.cuda.current_stream().wait_stream(side)
        sync()
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            for _ in range(n):
                fn()
        g.replay()
        sync()
        times = sorted(batch_ms(g.replay, 1) / n for _ in range(reps))
        del g
        return times[len(times) // 2], None
    except Exception as e:
        try:
            sync()
        except Exception:
            pass
        return None, f'{type(e).__name__}: {str(e)[:200]}'


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


def sdpa_backends(dt, dev):
    """Which SDPA backends accept a causal [1, 12, 1024, 64] input of this dtype."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    q = torch.randn(1, 12, 1024, 64, device=dev, dtype=dt)
    ok = []
    for name in ('FLASH_ATTENTION', 'EFFICIENT_ATTENTION', 'CUDNN_ATTENTION', 'MATH'):
        backend = getattr(SDPBackend, name, None)
        if backend is None:
            continue
        try:
            with sdpa_kernel(backend):
                F.scaled_dot_product_attention(q, q, q, is_causal=True)
            sync()
            ok.append(name.lower())
        except Exception:
            pass
    return ok


def _backend_names():
    """{enum value: 'flash_attention', ...} for this PyTorch's SDPBackend (a pybind11 enum in 2.x)."""
    from torch.nn.attention import SDPBackend
    names = {}
    for name, b in SDPBackend.__members__.items():
        value = getattr(b, 'value', b)
        names[int(value)] = name.lower()
    return names


def sdpa_choice(q, k, v):
    """The backend SDPA picks by default for this causal input ('flash_attention',
    'cudnn_attention', ...): torch._fused_sdp_choice, the function scaled_dot_product_attention
    itself asks. A sentence starting 'unknown' where this PyTorch cannot say."""
    try:
        chosen = int(torch._fused_sdp_choice(q, k, v, None, 0.0, True))
        return _backend_names().get(chosen, f'unknown ({chosen})')
    except Exception as e:
        return f'unknown ({type(e).__name__}: {str(e)[:120]})'


def sdpa_default(dt, dev):
    """sdpa_choice for a causal [1, 12, 1024, 64] input of this dtype."""
    try:
        q = torch.randn(1, 12, 1024, 64, device=dev, dtype=dt)
        return sdpa_choice(q, q, q)
    except Exception as e:
        return f'unknown ({type(e).__name__}: {str(e)[:120]})'


def kernel_names(fn):
    """The GPU kernels one call of fn launches, by name, from PyTorch's profiler (CUPTI): what ran,
    whatever the dispatcher says. A list with one sentence starting 'unknown' where profiling fails."""
    try:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            fn()
            sync()
        names = []
        for ev in prof.events():
            # GPU-side events, and the kernels the profiler tied to a host-side op (either list
            # may be the one a PyTorch version fills).
            found = [ev.name] if 'CUDA' in str(getattr(ev, 'device_type', '')) else []
            found += [k.name for k in (getattr(ev, 'kernels', None) or [])]
            for n in found:
                if n not in names:
                    names.append(n)
        return [n[:160] for n in names[:8]]
    except Exception as e:
        return [f'unknown ({type(e).__name__}: {str(e)[:120]})']


def sdpa_kernels(dtypes, tokens, H, d, dev):
    """{dtype: {T: kernel names}} of SDPA's default on causal [1, H, T, d] inputs."""
    out = {}
    for dname in dtypes:
        dt = torch.float32 if dname == 'fp32' else torch.bfloat16
        out[dname] = {}
        for T in tokens:
            q = torch.randn(1, H, T, d, device=dev, dtype=dt)
            out[dname][str(T)] = kernel_names(lambda: F.scaled_dot_product_attention(q, q, q, is_causal=True))
            del q
    return out


def _die_with_parent():
    """In the child: SIGTERM when this process dies (Linux prctl PR_SET_PDEATHSIG), so that a
    `timeout` that stops the measuring process does not leave the profiler running on the GPU into
    the next step of the call."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except Exception:
        pass


def sdpa_kernels_apart(a, dtypes, tokens):
    """(sdpa_kernels, None) from a child process running this script with --kernel-names-only;
    (None, reason) when it fails or outlives --kernel-names-timeout-s."""
    import subprocess, tempfile
    fd, path = tempfile.mkstemp(suffix='.json')
    os.close(fd)
    cmd = [sys.executable, os.path.abspath(__file__), '--kernel-names-only', '--dtypes', ','.join(dtypes),
           '--tokens', ','.join(str(t) for t in tokens), '--heads', str(a.heads), '--dim', str(a.dim),
           '--device', a.device, '--json', path]
    try:
        p = subprocess.run(cmd, timeout=a.kernel_names_timeout_s, capture_output=True, text=True,
                           preexec_fn=_die_with_parent)
        if p.returncode != 0:
            return None, f'the profiling process exited with {p.returncode}: {p.stderr.strip()[-300:]}'
        with open(path) as f:
            return json.load(f), None
    except subprocess.TimeoutExpired:
        return None, f'the profiling process took over {a.kernel_names_timeout_s:.0f} s'
    except Exception as e:
        return None, f'{type(e).__name__}: {str(e)[:200]}'
    finally:
        os.unlink(path)


# The fused backends timed one by one in bf16 (form softmax-sdpa-<short>), beside the default row.
SDPA_FORCED = (('FLASH_ATTENTION', 'flash'), ('CUDNN_ATTENTION', 'cudnn'), ('EFFICIENT_ATTENTION', 'efficient'))


def try_call(fn):
    """Runs fn once; None when it works, else a sentence: the exception and the warnings PyTorch
    gave on the way (SDPA says there why a backend refused the input)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            fn()
            sync()
            return None
        except Exception as e:
            why = '; '.join(dict.fromkeys(str(w.message)[:160] for w in caught))
            return f'{type(e).__name__}: {str(e)[:160]}' + (f' ({why})' if why else '')


def fit_line(xs, ys):
    """(slope, intercept) of the least-squares line through the points; None with < 2 distinct x."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return slope, my - slope * mx


def launch_floor(a):
    """--launch-floor: per k, k in-place adds on one element, timed eagerly (bench) and as a CUDA
    graph of n such calls (graph_ms, n from bench's pilot), in rounds; then medians and slopes."""
    ks = [int(k) for k in a.launch_ks.split(',') if k]
    x = torch.rand(1, device=a.device) + 0.5                  # never zeros

    def kernels(k):
        def fn():
            for _ in range(k):
                x.add_(1.0)
        return fn

    meta = dict(format=FORMAT, version=2, task='launch-floor', ks=ks, rounds=a.rounds, reps=a.reps,
                device=torch.cuda.get_device_name() if a.device == 'cuda' else a.device,
                torch=torch.__version__, cuda=torch.version.cuda,
                started=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                timing=f'per call of k kernels: ms, a batch of `batch` back-to-back calls between two '
                       f'CUDA events over `batch` (median of --reps batches); graphMs, the same `batch` '
                       f'calls captured in one CUDA graph, replayed, over `batch` (graph_ms, as the '
                       f'forward rows\' graphMs). Slopes: least squares over k of the round medians.')
    rows = []

    def save(summary=None):
        if a.json:
            with open(a.json, 'w') as f:
                json.dump(dict(meta, records=rows, **({'summary': summary} if summary else {})), f, indent=1)

    for r in range(a.rounds):
        for k in ks[r % len(ks):] + ks[:r % len(ks)]:
            fn = kernels(k)
            ms, n, one = bench(fn, a.reps)
            gms, why = graph_ms(fn, n, a.reps)
            rows.append(dict(round=r + 1, k=k, ms=ms, batch=n, singleMs=one, graphMs=gms,
                             **({'graphError': why} if why else {})))
            graph = f'graph {gms * 1e3:8.2f} us' if gms is not None else f'graph - ({why})'
            print(f'round {r + 1} launch-floor k={k} eager {ms * 1e3:8.2f} us {graph} n={n}', flush=True)
            save()

    def median(values):
        v = sorted(values)
        return None if not v else (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2

    summary = dict(perK=[], slopes={})
    for key in ('graphMs', 'ms'):
        points = []
        for k in ks:
            values = [row[key] for row in rows if row['k'] == k and row[key] is not None]
            if values:
                points.append((k, median(values), min(values), max(values)))
        fit = fit_line([p[0] for p in points], [p[1] for p in points])
        summary['slopes'][key] = None if fit is None else dict(slopeMs=fit[0], interceptMs=fit[1],
                                                              ks=[p[0] for p in points])
        for k, med, lo, hi in points:
            print(f'launch floor {key:7s} k={k}: median {med * 1e3:8.2f} us '
                  f'(rounds {lo * 1e3:.2f} - {hi * 1e3:.2f} us)', flush=True)
            summary['perK'].append(dict(kind=key, k=k, medianMs=med, minMs=lo, maxMs=hi))
        if fit:
            print(f'launch floor {key:7s}: {fit[0] * 1e3:.3f} us per extra kernel '
                  f'(least squares over k = {",".join(str(p[0]) for p in points)}; '
                  f'intercept {fit[1] * 1e3:.3f} us)', flush=True)
    meta['finished'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    save(summary)


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
    ap.add_argument('--layer', action='store_true',
                    help='time a whole pre-norm block forward + backward (pass: train, scope: layer)')
    ap.add_argument('--deadline-s', type=float, default=0,
                    help='seconds from start by which fla must be measured (0: none); guards its compile')
    ap.add_argument('--measure-reserve-s', type=float, default=25,
                    help='seconds kept for measuring fla after its first calls (with --deadline-s)')
    ap.add_argument('--skip-torch', action='store_true',
                    help="with --train/--layer: fla only, none of PyTorch's own kernels")
    ap.add_argument('--fla-forms', default='fla-chunk-norm,fla-gla-chunk,fla-chunk',
                    help='fla forms in the order they compile (forward: the forms timed, in this order)')
    ap.add_argument('--no-graphs', dest='graphs', action='store_false',
                    help='forward: no graphMs (CUDA graph replay) beside the batched time')
    ap.add_argument('--no-sdpa-backends', action='store_true',
                    help='forward: no bf16 rows with a forced SDPA backend (softmax-sdpa-flash, ...)')
    ap.add_argument('--no-kernel-names', action='store_true',
                    help="forward: do not profile SDPA's default once per length to name its kernels")
    ap.add_argument('--kernel-names-only', action='store_true',
                    help='only profile SDPA once per dtype and length, write {dtype: {T: [kernels]}} to --json')
    ap.add_argument('--kernel-names-timeout-s', type=float, default=90,
                    help='seconds the kernel-naming child process may take')
    ap.add_argument('--fla-measure-each', action='store_true',
                    help="measure each fla form's rounds right after its first call")
    ap.add_argument('--device', default='cuda', help='cuda; cpu only for a dry run of the code paths')
    ap.add_argument('--launch-floor', action='store_true',
                    help='only time CUDA graphs of k tiny kernels (k = --launch-ks) and the slope over k')
    ap.add_argument('--launch-ks', default='1,2,4,8', help='kernels per call for --launch-floor')
    ap.add_argument('--json')
    a = ap.parse_args()
    if a.launch_floor:
        launch_floor(a)
        return
    dtypes = [d for d in a.dtypes.split(',') if d]
    for d in dtypes:
        if d not in ('fp32', 'bf16'):
            sys.exit(f'torch-anchor: --dtypes takes fp32 and bf16, not "{d}".')
    tokens = [int(t) for t in a.tokens.split(',')]
    fla_tokens = set(int(t) for t in (a.fla_tokens or a.tokens).split(','))
    dev = a.device
    H, d = a.heads, a.dim
    if a.kernel_names_only:                                   # the child of sdpa_kernels_apart
        with open(a.json, 'w') as f:
            json.dump(sdpa_kernels(dtypes, tokens, H, d, dev), f)
        return
    triton_f32 = os.environ.get('TRITON_F32_DEFAULT', 'tf32')
    try:
        import triton
        triton_version = triton.__version__
    except Exception:
        triton_version = None
    meta = dict(format=FORMAT, version=2, triton=triton_version, passes=['train' if a.train or a.layer else 'forward'], device=torch.cuda.get_device_name() if dev == 'cuda' else dev, torch=torch.__version__,
                tritonF32Default=triton_f32, rounds=a.rounds, dtypes=dtypes, heads=H, dim=d,
                started=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                sdpaBackends={dt: sdpa_backends(torch.float32 if dt == 'fp32' else torch.bfloat16, dev) for dt in dtypes},
                sdpaDefault={dt: sdpa_default(torch.float32 if dt == 'fp32' else torch.bfloat16, dev) for dt in dtypes})
    print(meta['device'], 'torch', meta['torch'], 'TRITON_F32_DEFAULT', triton_f32,
          'SDPA backends accepting causal input:', meta['sdpaBackends'], 'default:', meta['sdpaDefault'], flush=True)
    chunk_linear_attn, chunk_simple_gla = load_fla()
    rows = []

    def save():
        if a.json:
            with open(a.json, 'w') as f:
                json.dump(dict(meta, records=rows), f, indent=1)

    t0 = time.perf_counter()

    def add(**row):
        row['elapsedS'] = round(time.perf_counter() - t0, 2)
        row.setdefault('pass', 'forward')
        rows.append(row)
        save()                                                # a call stopped by its deadline keeps every row
        tf = f"{row['tflops']:6.1f} TFLOP/s" if row.get('tflops') else ' ' * 14
        graph = f" graph {row['graphMs']:.4f} ms" if row.get('graphMs') else ''
        print(f"round {row['round']} {row['pass']:7s} {row.get('scope', ''):9s} {row['dtype']} {row['impl']:5s} {row['form']:23s} T={row['tokens']:7d} "
              f"{row['ms']:10.4f} ms {tf} n={row.get('batch', '')}{graph}", flush=True)

    meta['timing'] = (
        f'ms: per call, a timed batch of `batch` back-to-back calls between two CUDA events over '
        f'`batch` (a batch spans at least {BATCH_MS} ms, at most {MAX_BATCH} calls; a call that alone '
        f'takes {BATCH_MS} ms runs once), median of the batches in a visit. singleMs: one call alone between two events (the pilot; how every call was timed before). graphMs (forward rows where batch > 1): '
        f'the same calls captured in one CUDA graph and replayed, the GPU time with no host launches.')
    if a.train or a.layer:
        meta['scopes'] = [s for s, on in (('attention', a.train), ('layer', a.layer)) if on]
        if a.layer:
            meta['layer'] = dict(
                dModel=H * d, mlp=4 * H * d, activation='gelu-tanh', norm='pre-norm LayerNorm (gain, bias)',
                projections='fused QKV and output, no biases; gated: gate projection with bias, log sigmoid',
                loss='y.backward(r), r fixed random: gradients of sum(y * r)',
                gradients='every parameter and the block input; no optimizer step',
                matmuls='fp32 with TF32 off (bf16 rows: the whole block in bf16)')
        train(a, tokens, fla_tokens, H, d, dev, triton_f32, chunk_linear_attn, chunk_simple_gla, add, meta,
              PROCESS_START)
        meta['finished'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
        save()
        return

    meta['sdpaSkipped'] = []                                  # forced backends that refused an input
    meta['graphSkipped'] = []                                 # forms whose CUDA graph capture failed
    no_graph = set()

    def timed(fn, graphs=True):
        """bench(fn), and graphMs where a batch holds several calls (--graphs)."""
        ms, n, one = bench(fn, a.reps)
        extra = dict(batch=n, singleMs=one)
        if a.graphs and graphs and n > 1:
            gms, why = graph_ms(fn, n, a.reps)
            extra['graphMs'] = gms
            if why:
                extra['graphError'] = why
        return ms, extra

    def graph_key(row):
        return (row['dtype'], row['impl'], row['form'])

    def add_timed(fn, **row):
        """Times fn and adds the row; a form whose graph capture failed once is not captured again."""
        key = graph_key(row)
        ms, extra = timed(fn, graphs=key not in no_graph)
        if extra.get('graphError'):
            no_graph.add(key)
            meta['graphSkipped'].append(dict(dtype=row['dtype'], impl=row['impl'], form=row['form'],
                                             tokens=row['tokens'], reason=extra['graphError']))
        flops = row.pop('flops', None)
        add(**row, ms=ms, tflops=flops / ms / 1e9 if flops else None, **extra)

    # Phase 1, PyTorch's own kernels: every round, dtype and length. Phase 2, fla, whose Triton
    # kernels compile (and autotune) on first use for each dtype: last, so a call that runs out of
    # time keeps every native baseline.
    for r in range(a.rounds):
        for dname in dtypes:
            dt = torch.float32 if dname == 'fp32' else torch.bfloat16
            base = dict(round=r, dtype=dname, heads=H, dim=d)
            N = 8192
            x, y = torch.randn(N, N, device=dev, dtype=dt), torch.randn(N, N, device=dev, dtype=dt)
            add_timed(lambda: x @ y, impl='torch', form='sgemm', **dict(base, heads=1, dim=N), tokens=N,
                      flops=2 * N ** 3)
            del x, y
            if dname == 'fp32':
                src = torch.empty(2 ** 29, device=dev)        # 2 GiB of fp32
                dst = torch.empty_like(src)
                ms, extra = timed(lambda: dst.copy_(src), graphs=False)
                add(impl='torch', form='copy', **dict(base, heads=0, dim=0), tokens=0, ms=ms, tflops=None,
                    gbps=2 * src.numel() * 4 / ms / 1e6, **extra)
                del src, dst
            for T in tokens:
                q, k, v = (torch.randn(1, H, T, d, device=dev, dtype=dt) for _ in range(3))
                causal_flops = 2 * H * T * T * d              # QK^T and PV over the causal half
                sdpa = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True)
                # The default (no backend forced): the row the tables use; `backend` is what
                # torch._fused_sdp_choice names for this very input.
                add_timed(sdpa, impl='torch', form='softmax-sdpa', **base, tokens=T, flops=causal_flops,
                          backend=sdpa_choice(q, k, v))
                if dname == 'bf16' and not a.no_sdpa_backends:
                    from torch.nn.attention import SDPBackend, sdpa_kernel
                    for backend_name, short in SDPA_FORCED:
                        backend = getattr(SDPBackend, backend_name, None)
                        form = f'softmax-sdpa-{short}'
                        why = 'this PyTorch has no such backend' if backend is None else None
                        if backend is not None:
                            with sdpa_kernel(backend):        # entered once: no per-call cost in the batch
                                why = try_call(sdpa)
                                if why is None:
                                    add_timed(sdpa, impl='torch', form=form, **base, tokens=T,
                                              flops=causal_flops, backend=backend_name.lower())
                        skip = dict(dtype=dname, backend=backend_name.lower(), tokens=T, reason=why)
                        if why is not None and skip not in meta['sdpaSkipped']:   # once per input, not per round
                            meta['sdpaSkipped'].append(skip)
                            print('sdpa', dname, backend_name, 'T', T, 'skipped:', why[:200], flush=True)
                            save()
                if T % 64 == 0:
                    for form, norm in (('linear-chunked', False), ('linear-chunked-norm', True)):
                        add_timed(lambda: chunked_linear(q[0], k[0], v[0], normalize=norm), impl='torch',
                                  form=form, **base, tokens=T)
                del q, k, v, sdpa
                torch.cuda.empty_cache()
                save()
    # What SDPA's default ran, by kernel name, at each length: in a child process, so that the
    # profiler's CUPTI hooks (which can stay subscribed after a profile) never touch a timed call;
    # before fla, so that a call stopped while fla compiles still has them.
    if not a.no_kernel_names:
        kernels, why = sdpa_kernels_apart(a, dtypes, tokens)
        meta['sdpaKernels'] = kernels
        if why:
            meta['sdpaKernelsError'] = why
        print('SDPA default kernels:', kernels or why, flush=True)
        save()
    fla_forms = [f for f in a.fla_forms.split(',') if f in FLA_FORWARD_FORMS]
    for r in range(a.rounds if chunk_linear_attn is not None else 0):
        for dname in dtypes:
            dt = torch.float32 if dname == 'fp32' else torch.bfloat16
            base = dict(round=r, dtype=dname, heads=H, dim=d)
            precision = triton_f32 if dname == 'fp32' else 'bf16'
            for T in [t for t in tokens if t in fla_tokens]:
                qt, kt, vt = (torch.randn(1, T, H, d, device=dev, dtype=dt) for _ in range(3))  # fla: [B, T, H, d]
                qs, ks = F.softplus(qt), F.softplus(kt)
                # Gated: chunk_simple_gla, one log decay g_t per token and head, no normaliser; g drawn as
                # the bench draws the gated forms' decays (a_t = exp(g_t) uniform in [0.9, 1)).
                g = torch.log1p(-0.1 * torch.rand(1, T, H, device=dev, dtype=torch.float32)).to(dt)
                calls = {
                    'fla-chunk': lambda: chunk_linear_attn(qt, kt, vt, scale=1.0, normalize=False),
                    'fla-chunk-norm': lambda: chunk_linear_attn(qs, ks, vt, scale=1.0, normalize=True),
                    'fla-gla-chunk': lambda: chunk_simple_gla(qt, kt, vt, g=g, scale=1.0),
                }
                for form in fla_forms:
                    try:
                        add_timed(calls[form], impl='fla', form=form, **base, tokens=T, precision=precision)
                    except Exception as e:
                        print('fla', form, T, 'failed:', type(e).__name__, str(e)[:160], flush=True)
                del qt, kt, vt, qs, ks, g, calls
                torch.cuda.empty_cache()
                save()
    meta['finished'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    save()


class Deadline(BaseException):
    """Raised by SIGALRM when fla's first call (Triton compiling and autotuning) outlives its time. A
    BaseException, so that no `except Exception` inside Triton's autotuner swallows it."""


def _on_alarm(signum, frame):
    raise Deadline()


class Block(torch.nn.Module):
    """One pre-norm transformer block: x + attn(LN(x)), then + MLP(LN(.)). attn maps q, k, v (and the
    log decays g) in fla's layout [1, T, H, d] to the output in the same layout."""

    def __init__(self, H, d, attn, gated, mlp_ratio=4):
        super().__init__()
        D = H * d
        self.H, self.d, self.attn = H, d, attn
        self.ln1, self.ln2 = torch.nn.LayerNorm(D, eps=1e-5), torch.nn.LayerNorm(D, eps=1e-5)
        self.qkv = torch.nn.Linear(D, 3 * D, bias=False)
        self.out = torch.nn.Linear(D, D, bias=False)
        # The gated block's decays: g = log sigmoid(x W + b), one per token and head.
        self.gate = torch.nn.Linear(D, H) if gated else None
        self.w1 = torch.nn.Linear(D, mlp_ratio * D, bias=False)
        self.w2 = torch.nn.Linear(mlp_ratio * D, D, bias=False)

    def forward(self, x):
        B, T, D = x.shape
        h = self.ln1(x)
        q, k, v = self.qkv(h).view(B, T, 3, self.H, self.d).unbind(2)
        g = F.logsigmoid(self.gate(h)) if self.gate is not None else None
        x = x + self.out(self.attn(q, k, v, g).reshape(B, T, D))
        return x + self.w2(F.gelu(self.w1(self.ln2(x)), approximate='tanh'))


def attention_fns(chunk_linear_attn, chunk_simple_gla):
    """Attention of each form on [1, T, H, d] inputs (fla's layout), output in the same layout."""
    fns = {
        'softmax-sdpa': lambda q, k, v, g: F.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), is_causal=True).transpose(1, 2),
        'linear-chunked-norm': lambda q, k, v, g: chunked_linear(
            q[0].transpose(0, 1), k[0].transpose(0, 1), v[0].transpose(0, 1), normalize=True).transpose(0, 1)[None],
    }
    if chunk_linear_attn is not None:
        fns['fla-chunk'] = lambda q, k, v, g: chunk_linear_attn(q, k, v, scale=1.0, normalize=False)[0]
        fns['fla-chunk-norm'] = lambda q, k, v, g: chunk_linear_attn(
            F.softplus(q), F.softplus(k), v, scale=1.0, normalize=True)[0]
        fns['fla-gla-chunk'] = lambda q, k, v, g: chunk_simple_gla(q, k, v, g=g, scale=1.0)[0]
    return fns


GATED = ('fla-gla-chunk',)
FLA_FORWARD_FORMS = ('fla-chunk', 'fla-chunk-norm', 'fla-gla-chunk')
LAYER_FORMS = ('softmax-sdpa', 'linear-chunked-norm', 'fla-chunk-norm', 'fla-gla-chunk')


def attention_step(fn, form, T, H, d, dt, dev):
    """Attention alone: forward, then torch.autograd.grad of the output against q, k, v (and g) for a
    random upstream gradient (what loss.backward() runs for this op)."""
    q, k, v = (torch.randn(1, T, H, d, device=dev, dtype=dt, requires_grad=True) for _ in range(3))
    inputs = [q, k, v]
    g = None
    if form in GATED:
        # Decays as the bench draws them: a_t = exp(g_t) uniform in [0.9, 1).
        g = torch.log1p(-0.1 * torch.rand(1, T, H, device=dev, dtype=torch.float32)).to(dt).requires_grad_()
        inputs.append(g)
    dout = torch.randn(1, T, H, d, device=dev, dtype=dt)

    def run():
        torch.autograd.grad(fn(q, k, v, g), inputs, dout)
    return run


def layer_step(block, T, dt, dev):
    """The block's training step: forward, then y.backward(r), the gradients of the loss sum(y * r)
    for a fixed random r: every parameter's gradient and the input's (set to None first, as
    optimizer.zero_grad() does, so nothing accumulates); no optimizer step."""
    D = block.H * block.d
    x = torch.randn(1, T, D, device=dev, dtype=dt, requires_grad=True)
    r = torch.randn(1, T, D, device=dev, dtype=dt)
    params = list(block.parameters())

    def run():
        for p in params:
            p.grad = None
        x.grad = None
        block(x).backward(r)
    return run


def layer_flops(T, H, d, form, mlp_ratio=4):
    """Model FLOPs of the block's training step (3 x forward), None for the linear forms (whose
    attention the cost model does not count here)."""
    if form != 'softmax-sdpa':
        return None
    D = H * d
    forward = 2 * T * D * (3 * D + D + 2 * mlp_ratio * D) + 2 * H * T * T * d
    return 3 * forward


def train(a, tokens, fla_tokens, H, d, dev, triton_f32, chunk_linear_attn, chunk_simple_gla, add, meta, t0):
    """Training steps of attention alone (--train, scope 'attention') and of the block (--layer, scope
    'layer'). Phase 1: PyTorch's kernels in every round (SDPA, eager chunked), forms interleaved.
    Phase 2, per dtype: fla's first call per form (compiling) under the deadline, then every round."""
    fns = attention_fns(chunk_linear_attn, chunk_simple_gla)
    dtypes = [x for x in a.dtypes.split(',') if x]
    scopes = [s for s, on in (('attention', a.train), ('layer', a.layer)) if on]
    blocks = {}

    def block_for(form, dname):
        if (form, dname) not in blocks:
            torch.manual_seed(0)
            dt = torch.float32 if dname == 'fp32' else torch.bfloat16
            blocks[(form, dname)] = Block(H, d, fns[form], form in GATED).to(device=dev, dtype=dt)
        return blocks[(form, dname)]

    def measure(form, dname, T, r, scope, impl, precision=None):
        dt = torch.float32 if dname == 'fp32' else torch.bfloat16
        base = dict(round=r, dtype=dname, heads=H, dim=d, tokens=T, impl=impl, form=form, scope=scope)
        base['pass'] = 'train'
        if precision:
            base['precision'] = precision
        if scope == 'attention':
            run = attention_step(fns[form], form, T, H, d, dt, dev)
            flops = 3 * 2 * H * T * T * d if form == 'softmax-sdpa' else None  # backward = 2 x forward
        else:
            base['dModel'], base['mlp'] = H * d, 4 * H * d
            run = layer_step(block_for(form, dname), T, dt, dev)
            flops = layer_flops(T, H, d, form)
        ms, n, one = bench(run, a.reps)
        add(**base, ms=ms, tflops=flops / ms / 1e9 if flops else None, batch=n, singleMs=one)
        del run
        torch.cuda.empty_cache()

    torch_forms = lambda dname: ['softmax-sdpa'] + (['linear-chunked-norm'] if dname == 'fp32' else [])
    for r in range(0 if a.skip_torch else a.rounds):
        for dname in dtypes:
            for T in tokens:
                for scope in scopes:
                    for form in torch_forms(dname):
                        if form == 'linear-chunked-norm' and T % 64:
                            continue
                        measure(form, dname, T, r, scope, 'torch')
    if chunk_linear_attn is None:
        return
    meta['flaWarmup'] = []
    signal.signal(signal.SIGALRM, _on_alarm)
    fla_T = [t for t in tokens if t in fla_tokens]
    if not fla_T:
        return
    for dname in dtypes:
        precision = triton_f32 if dname == 'fp32' else 'bf16'
        dt = torch.float32 if dname == 'fp32' else torch.bfloat16
        ready = []
        # fla-chunk-norm first (the kernels of chunk_simple_gla without decays, plus the normaliser),
        # then the gated kernels; fla-chunk reuses the first form's kernels.
        def measure_fla(forms):
            for r in range(a.rounds):
                for T in fla_T:
                    for form in forms:
                        for scope in scopes:
                            if scope == 'layer' and form not in LAYER_FORMS:
                                continue
                            try:
                                measure(form, dname, T, r, scope, 'fla', precision)
                            except Exception as e:
                                print('fla', form, scope, T, 'failed:', type(e).__name__, str(e)[:160], flush=True)

        for form in [f for f in a.fla_forms.split(',') if f]:
            form_scopes = [s for s in scopes if s == 'attention' or form in LAYER_FORMS]
            left = a.deadline_s - (time.perf_counter() - t0) - a.measure_reserve_s if a.deadline_s else None
            entry = dict(dtype=dname, form=form, precision=precision)
            # fla-chunk runs fla-chunk-norm's kernels without the normaliser: nothing left to compile.
            compiled = form == 'fla-chunk' and 'fla-chunk-norm' in ready
            if left is not None and left < 5 and not compiled:
                entry.update(status='skipped', reason=f'{left + a.measure_reserve_s:.0f} s left before the deadline')
                meta['flaWarmup'].append(entry)
                print('fla', dname, form, 'not compiled:', entry['reason'], flush=True)
                continue
            w0 = time.perf_counter()
            try:
                if left is not None and not compiled:
                    signal.alarm(max(1, int(left)))
                for scope in form_scopes:
                    T = fla_T[0]
                    run = attention_step(fns[form], form, T, H, d, dt, dev) if scope == 'attention' \
                        else layer_step(block_for(form, dname), T, dt, dev)
                    run()
                    sync()
                signal.alarm(0)
                entry.update(status='ok', seconds=round(time.perf_counter() - w0, 1))
                ready.append(form)
            except Deadline:
                entry.update(status='skipped', reason=f'first call (compiling) not done after {time.perf_counter() - w0:.0f} s')
            except Exception as e:
                signal.alarm(0)
                entry.update(status='error', reason=f'{type(e).__name__}: {str(e)[:160]}')
            meta['flaWarmup'].append(entry)
            print('fla warm-up', dname, form, entry, flush=True)
            # --fla-measure-each: this form's rounds now, before the next form compiles, so that a
            # call stopped while compiling keeps them (forms are then not interleaved).
            if a.fla_measure_each and entry['status'] == 'ok':
                measure_fla([form])
        if not a.fla_measure_each:
            measure_fla(ready)


if __name__ == '__main__':
    main()
