import { describe, expect, it } from 'vitest';
import { referenceData } from '../../src/widgets/shared/reference-data.ts';
import {
  findChunkSize,
  TimingChartState,
} from '../../src/widgets/timing-chart/timing-chart-state.svelte.ts';
import { benchRecord } from '../helpers/records.ts';

describe("the chunk size a timing chart dataset's records ran at", () => {
  it("is the form's first record that has one, skipping records without", () => {
    const records = [
      benchRecord('softmax-flash', 1024, 1.5),
      benchRecord('linear-chunked', 65_536, null),
      benchRecord('gated-chunked', 1024, 2.5, { chunkSize: 32 }),
      benchRecord('linear-chunked', 1024, 2, { chunkSize: 128 }),
      benchRecord('linear-chunked', 2048, 3, { chunkSize: 64 }),
    ];
    expect(findChunkSize(records, 'linear-chunked')).toBe(128);
    expect(findChunkSize(records, 'gated-chunked')).toBe(32);
  });

  it('is null for a form that has no chunk size, or no records', () => {
    const records = [
      benchRecord('softmax-flash', 1024, 1.5),
      benchRecord('linear-chunked', 512, 1),
    ];
    expect(findChunkSize(records, 'softmax-flash')).toBeNull();
    expect(findChunkSize(records, 'linear-chunked')).toBeNull();
    expect(findChunkSize(records, 'linear-recurrent')).toBeNull();
    expect(findChunkSize([], 'linear-chunked')).toBeNull();
  });

  it("labels the reference dataset's chunked points with it", () => {
    expect(referenceData).not.toBeNull();
    const chunk = findChunkSize(referenceData!.records, 'linear-chunked');
    expect(chunk).toBeGreaterThan(0);
    const series = new TimingChartState().series.find((s) => s.id === 'reference:linear-chunked');
    expect(series?.points.length).toBeGreaterThan(0);
    for (const p of series!.points) expect(p.text).toContain(`, chunk size ${chunk}`);
  });
});
