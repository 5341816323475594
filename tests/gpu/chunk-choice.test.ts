/**
 * The per-device chunk size through the real search (searchChunkSize and the sweep runner) on
 * this machine's GPU, with the fake attention of the sweep tests standing in for the kernels: the
 * plumbing, the records and the cache. No assertion depends on which size is fastest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuReady } from '../../src/gpu/device.ts';
import { chooseChunkSize, createMemoryChunkCache } from '../../src/gpu/sweep.ts';
import { createFakeFactory, type FakeLog } from './fake-attention.ts';
import { gpu, readyDevice } from './setup.ts';

describe.skipIf(!gpu)('the chunk size chosen on this device', () => {
  let ready: GpuReady;
  beforeAll(async () => {
    ready = await readyDevice();
  });
  afterAll(() => ready?.device.destroy());

  it('times every candidate once, caches the fastest under the adapter, and frees every buffer', async () => {
    const log: FakeLog = { created: [], destroyed: [], writes: 0 };
    const cache = createMemoryChunkCache();
    const options = {
      cache,
      heads: 2,
      dim: 16,
      tokens: 256,
      chunkSizes: [32, 64, 128],
      sweep: { createAttention: createFakeFactory(log) },
    };
    const first = await chooseChunkSize(ready, options);
    expect(first.source).toBe('search');
    expect(first.records.map((r) => [r.task, r.chunkSize, r.status])).toEqual([
      ['chunk-search', 32, 'ok'],
      ['chunk-search', 64, 'ok'],
      ['chunk-search', 128, 'ok'],
    ]);
    const fastest = Math.min(...first.records.map((r) => r.medianMs!));
    expect(first.records.find((r) => r.chunkSize === first.chunkSize)?.medianMs).toBe(fastest);
    expect(first.key).toContain(ready.info.description);
    expect(cache.get(first.key)).toBe(first.chunkSize);
    expect([...log.destroyed].sort()).toEqual([...log.created].sort());
    const again = await chooseChunkSize(ready, options);
    expect(again).toMatchObject({ source: 'cache', chunkSize: first.chunkSize });
    expect(log.created).toHaveLength(3);
  });
});
