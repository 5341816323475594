# One ablation of linear-recurrent.wgsl (or its constants) in place: timing only, results wrong
# (except base and tb32, which are verified).
import sys
name = sys.argv[1]
k = 'src/gpu/kernels/linear-recurrent.wgsl'
ts = 'src/gpu/forms/linear/recurrent.ts'
def edit(path, old, new, count=1):
    s = open(path).read()
    assert s.count(old) == count, (path, old, s.count(old))
    open(path, 'w').write(s.replace(old, new))
if name == 'base':
    pass
elif name == 'nostage':
    edit(k, '''          kx = phi4(k[g]);
          qx = phi4(q[g]);''', '''          kx = vec4<f32>(f32(g & 7u) * 0.01);
          qx = vec4<f32>(f32(g & 3u) * 0.01);''')
    edit(k, '''          x = v[base + (t0 + e / CB) * D + col0 + e % CB];''', '''          x = f32(e & 5u);''')
    # keep the bindings used
    edit(k, '''  for (var i = 0u; i < 4u; i++) {
    let r = 16u * p + 4u * i;
    stateOut[''', '''  if (params.tokens == 0xffffffffu) {
    stateOut[0] = q[0].x + k[0].x + v[0];
  }
  for (var i = 0u; i < 4u; i++) {
    let r = 16u * p + 4u * i;
    stateOut[''')
elif name == 'notokens':
    edit(k, '''    for (var t = 0u; t < TB; t++) {
      let vi''', '''    for (var t = 0u; t < TB && params.tokens == 0xffffffffu; t++) {
      let vi''')
elif name == 'noout':
    edit(k, '''      if (e < TB * CB && t < n) {''', '''      if (e < TB * CB && t < n && params.tokens == 0xffffffffu) {''')
elif name == 'nobarriers':
    s = open(k).read()
    i = s.index('  for (var t0 = params.tokenBegin;')
    j = s.index('  for (var i = 0u; i < 4u; i++) {\n    let r = 16u * p + 4u * i;\n    stateOut')
    body = s[i:j].replace('    workgroupBarrier();\n', '')
    open(k, 'w').write(s[:i] + body + s[j:])
elif name == 'tb32':
    edit(ts, 'const STAGED_FLOATS = 1024;', 'const STAGED_FLOATS = 2048;')
else:
    raise SystemExit('unknown ablation ' + name)
