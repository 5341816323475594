# Applies one ablation to the softmax-flash wide kernel in place (timing only: results are wrong).
import sys
name = sys.argv[1]
wide = 'src/gpu/kernels/softmax-flash-wide.wgsl'
sub = 'src/gpu/kernels/softmax-flash-subgroup.wgsl'
def edit(path, old, new, count=1):
    s = open(path).read()
    assert s.count(old) == count, (path, old, s.count(old))
    open(path, 'w').write(s.replace(old, new))
softmax = '''    let mNew = max(m, rowMax(tileMax(s)));
    let alpha = exp2(m - mNew);
    m = mNew;
    s = probabilities(s, mNew);
    l = l * alpha + rowSums(s);
    a = scaleRows(a, alpha);
'''
pbar = '''    if (POFF == 0u) {
      workgroupBarrier();  // P goes over K: every thread must have read its keys
    }
'''
if name == 'base':
    pass
elif name == 'nosoftmax':
    edit(wide, softmax, '    l = l + s.a0;\n')
elif name == 'noproundtrip':
    edit(wide, pbar + '    storeRowsP(kj, kk, pc, s);\n    workgroupBarrier();\n', '')
elif name == 'nopbarriers':
    edit(wide, pbar + '    storeRowsP(kj, kk, pc, s);\n    workgroupBarrier();\n', '    storeRowsP(kj, kk, pc, s);\n')
elif name == 'nostagebarriers':
    edit(sub, '''  let k0 = t * BC;
  workgroupBarrier();
  if (!PREFETCH) {
    fetchTile(k0, base, T, lid);
  }
  commitTile(lid);
  workgroupBarrier();''', '''  let k0 = t * BC;
  if (!PREFETCH) {
    fetchTile(k0, base, T, lid);
  }
  commitTile(lid);''')
elif name == 'nos':
    edit(wide, '''      s = scoreStep(s, c, ty, kl, kh);''', '''      if (c == 99u) { s = scoreStep(s, c, ty, kl, kh); }''')
elif name == 'nopv':
    edit(wide, '''      a = addPV(a, j4, pc, v0, v1);''', '''      if (j4 == 99u) { a = addPV(a, j4, pc, v0, v1); }''')
    edit(wide, '''        a = addPVKey(a, j, pc, vs[j][tx], vs[j][tx + TX], vec4<u32>(k0 + j) <= last);''', '''        if (j == 999u) { a = addPVKey(a, j, pc, vs[j][tx], vs[j][tx + TX], vec4<u32>(k0 + j) <= last); }''')
elif name == 'nostage':
    edit(sub, '''  commitTile(lid);
  workgroupBarrier();''', '''  if (t == 999999u) { commitTile(lid); }
  workgroupBarrier();''')
else:
    raise SystemExit('unknown ablation ' + name)
