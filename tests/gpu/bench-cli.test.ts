import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecordsJson } from '../../src/gpu/records.ts';
import { runBench } from './run-bench.ts';
import { gpu } from './setup.ts';

describe('the benchmark CLI', () => {
  it('exits 2 with one sentence on a bad argument, before touching a GPU', async () => {
    for (const args of [['--forms', 'softmax,bogus'], ['--tokens', '12x'], ['--frobnicate']]) {
      const { code, stdout, stderr } = await runBench(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      const lines = stderr.trim().split('\n');
      expect(lines, stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^bench: .+\.( See --help\.)?$/);
    }
  });

  it.skipIf(!gpu)(
    'times two small sizes on SwiftShader: table, JSON records and the CPU warning',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
      const json = join(dir, 'out', 'bench.json');
      const csv = join(dir, 'bench.csv');
      const forms = ['softmax-flash', 'linear-recurrent'];
      const { code, stdout, stderr } = await runBench([
        '--forms',
        forms.join(','),
        '--tokens',
        '64,128',
        '--heads',
        '2',
        '--dim',
        '16',
        '--chunk',
        '32',
        '--samples',
        '3',
        '--rounds',
        '2',
        '--json',
        json,
        '--csv',
        csv,
      ]);
      expect(code, stderr).toBe(0);
      const warnings = stderr.split('\n').filter((l) => /not GPU speeds/.test(l));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^Warning: SwiftShader .*CPU fallback adapter/);
      expect(stderr).toMatch(/sweep \(round 2\/2\) \[#{20}\] 4\/4 /);

      const lines = stdout.split('\n');
      const header = lines.findIndex((l) => l.startsWith('task'));
      expect(lines[header]).toMatch(
        /^task\s+form\s+T\s+c\s+median\s+rounds\s+min-max\s+IQR\s+GFLOP\/s\s+samples\s+status$/,
      );
      const rows = lines.slice(header + 1, header + 5);
      for (const form of forms) {
        for (const t of [64, 128]) {
          const row = rows.find((r) => r.includes(` ${form} `) && r.includes(` ${t} `));
          expect(row, `${form} T=${t} in\n${stdout}`).toMatch(/ ok$/);
        }
      }

      const records = parseRecordsJson(readFileSync(json, 'utf8'));
      expect(records.map((r) => `${r.form}@${r.tokens}`).sort()).toEqual(
        forms.flatMap((f) => [`${f}@128`, `${f}@64`]).sort(),
      );
      for (const r of records) {
        expect(r).toMatchObject({ status: 'ok', heads: 2, dim: 16, task: 'forward' });
        expect(r.medianMs).toBeGreaterThan(0);
        // Two rounds: the median of two round medians lies between them, the spread holds both.
        expect(r.rounds).toBe(2);
        expect(r.roundsMs).toHaveLength(2);
        expect(r.spread?.minMs).toBe(Math.min(...r.roundsMs!));
        expect(r.spread?.maxMs).toBe(Math.max(...r.roundsMs!));
        expect(r.medianMs).toBeCloseTo((r.roundsMs![0]! + r.roundsMs![1]!) / 2, 9);
        expect(r.adapter.isFallbackAdapter).toBe(true);
        expect(r.runtime).toMatch(/^node v\d+.* \/ dawn/);
        expect(r.chunkSize).toBeNull();
      }
      expect(readFileSync(csv, 'utf8').split('\n')[0]).toMatch(/^task,form,featureMap,/);
    },
  );
});
