"""Short summary of torch-anchor.py's JSON (no torch needed): per dtype/impl/form one line, each T:
per-call ms (batched), n, the single call's ms and the CUDA-graph ms; then what SDPA ran."""
import json, sys
d = json.load(open(sys.argv[1]))
rows = d.get('records', [])
print('device', d.get('device'), 'torch', d.get('torch'), 'triton', d.get('triton'), 'rows', len(rows),
      'finished' if d.get('finished') else 'NOT finished')
print('sdpaDefault', d.get('sdpaDefault'))
print('sdpaBackends', d.get('sdpaBackends'))
groups = {}
for r in rows:
    groups.setdefault((r['dtype'], r['impl'], r['form']), []).append(r)
f = lambda x: '-' if x is None else f'{x:.4g}'
for (dt, impl, form), rs in groups.items():
    cells = [f"T={r['tokens']}: {f(r['ms'])} n={r.get('batch')} one={f(r.get('singleMs'))} g={f(r.get('graphMs'))}"
             + (f" {r['backend']}" if r.get('backend') and form == 'softmax-sdpa' else '') for r in rs]
    print(f'{dt} {impl:5s} {form:22s} ' + ' | '.join(cells))
for dt, byT in (d.get('sdpaKernels') or {}).items():
    for T, names in byT.items():
        print('kernels', dt, T, '; '.join(n[:70] for n in names)[:200])
for s in d.get('sdpaSkipped') or []:
    print('sdpa skipped', s['dtype'], s['backend'], s['tokens'], s['reason'][:150])
for s in d.get('graphSkipped') or []:
    print('graph skipped', s['dtype'], s['impl'], s['form'], s['tokens'], s['reason'][:120])
