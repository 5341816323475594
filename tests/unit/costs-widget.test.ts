import { describe, expect, it } from 'vitest';
import { CHUNK_SIZES, SUPPORTED_DIMS } from '../../src/gpu/types.ts';
import {
  costOf,
  metricValue,
  workingMemory,
  inputOutputBytes,
} from '../../src/widgets/costs/costs-model.ts';
import { CostsState } from '../../src/widgets/costs/costs.svelte.ts';
import {
  formatFactor,
  formatFlops,
  formatMemory,
  formatRelative,
} from '../../src/widgets/shared/format.ts';
import { pick } from '../helpers/random.ts';

const F32 = 4;

describe("the cost explorer's memory view", () => {
  it('counts working memory beyond inputs and outputs as Table 1 does, for random shapes', () => {
    for (let trial = 0; trial < 20; trial++) {
      const d = pick(SUPPORTED_DIMS);
      const c = pick(CHUNK_SIZES);
      const T = 2 ** (6 + Math.floor(Math.random() * 12)) + Math.floor(Math.random() * 100);
      const memory = (form: Parameters<typeof costOf>[0]) =>
        workingMemory(costOf(form, T, d, c), T, d);
      // Table 1: T^2 scores; O(T) row statistics; nothing for the tiled attention form; d^2 for
      // the recurrent state (with its normaliser z, d more floats); (T / c) d^2 for the chunked form.
      expect(memory('softmax-naive')).toBe(T * T * F32);
      expect(memory('softmax-flash')).toBe(2 * T * F32);
      expect(memory('linear-attention')).toBe(0);
      expect(memory('linear-recurrent')).toBe(d * (d + 1) * F32);
      expect(memory('linear-chunked')).toBe(Math.ceil(T / Math.min(c, T)) * d * (d + 1) * F32);
      expect(inputOutputBytes(T, d)).toBe(4 * T * d * F32);
    }
  });

  it('keeps the recurrent form flat in T and the others apart, so no two lines coincide', () => {
    const state = new CostsState({ tokens: 4096, dim: 64, chunkSize: 64, metric: 'memory' });
    const byForm = new Map(state.series.map((s) => [s.form, s.points]));
    const recurrent = byForm.get('linear-recurrent')!;
    expect(new Set(recurrent.map((p) => p.value)).size).toBe(1);
    // Zero cannot sit on a log axis: the tiled linear attention form draws no line.
    expect(byForm.get('linear-attention')).toEqual([]);
    const last = (form: 'softmax-naive' | 'softmax-flash' | 'linear-chunked') =>
      byForm.get(form)!.at(-1)!.value;
    const values = [last('softmax-naive'), last('softmax-flash'), last('linear-chunked')];
    expect(new Set(values).size).toBe(3);
    // The FLOP view is unchanged: every form has a line there.
    state.metric = 'flops';
    expect(state.series.every((s) => s.points.length > 0)).toBe(true);
    expect(metricValue('linear-attention', 4096, 64, 64, 'flops')).toBe(
      costOf('linear-attention', 4096, 64, 64).flops,
    );
  });

  it('states memory in the table and sentence without the inputs and outputs', () => {
    const state = new CostsState({ tokens: 4096, dim: 64, chunkSize: 64 });
    expect(state.costFor('linear-recurrent')!.memory).toBe(64 * 65 * F32);
    expect(state.costFor('softmax-naive')!.memory).toBe(4096 * 4096 * F32);
  });
});

describe("the cost explorer's numbers", () => {
  it('writes every quantity with three significant digits, trailing zeros dropped', () => {
    expect(formatFlops(2.147e9)).toBe('2.15 GFLOP');
    expect(formatFlops(68.2e6)).toBe('68.2 MFLOP');
    expect(formatMemory(4 * 2 ** 20)).toBe('4 MiB');
    expect(formatMemory(64 * 65 * 4)).toBe('16.3 KiB');
    expect(formatMemory(2 ** 36)).toBe('64 GiB');
    expect(formatMemory(1023.9 * 1024)).toBe('1 MiB');
    expect(formatMemory(1000 * 1024)).toBe('0.977 MiB');
    expect(formatMemory(512)).toBe('512 B');
    expect(formatMemory(0)).toBe('none');
    expect(formatFactor(31.52)).toBe('31.5×');
    expect(formatFactor(2)).toBe('2×');
  });

  it('compares with the baseline in words, never as 0.0×', () => {
    expect(formatRelative(68.2e6, 2.15e9)).toBe('31.5× fewer');
    expect(formatRelative(2.15e9, 2.15e9)).toBe('same');
    expect(formatRelative(4e9, 2e9)).toBe('2× more');
  });
});
