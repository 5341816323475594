/**
 * The widgets' chunk size for chunk-size="auto" (src/widgets/shared/chunk-size.ts) through the
 * real search (searchChunkSize and the sweep runner) on this machine's GPU, with the fake
 * attention of the sweep tests standing in for the kernels: the probe, the search it sizes, what
 * is kept where, and every buffer freed. No assertion depends on which size is fastest or on how
 * fast the device is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuReady } from '../../src/gpu/device.ts';
import { CHUNK_SIZES } from '../../src/gpu/types.ts';
import { createChunkSizeResolver, SEARCH_SHAPES } from '../../src/widgets/shared/chunk-size.ts';
import { createFakeFactory, type FakeLog } from './fake-attention.ts';
import { gpu, readyDevice } from './setup.ts';

describe.skipIf(!gpu)("the widgets' chunk size on this device", () => {
  let ready: GpuReady;
  beforeAll(async () => {
    ready = await readyDevice();
  });
  afterAll(() => ready?.device.destroy());

  it('probes, searches a shape it can afford, answers with a size it timed, remembers it for the page and frees every buffer', async () => {
    const log: FakeLog = { created: [], destroyed: [], writes: 0 };
    const items = new Map<string, string>();
    const resolver = createChunkSizeResolver({
      storage: () => ({
        getItem: (key) => items.get(key) ?? null,
        setItem: (key, value) => void items.set(key, value),
      }),
    });
    const request = {
      setting: 'auto' as const,
      form: 'linear-chunked' as const,
      dim: 16,
      budgetMs: 20_000,
      sweep: { createAttention: createFakeFactory(log) },
    };
    const answer = await resolver.resolve(ready, request);
    const probe = SEARCH_SHAPES[SEARCH_SHAPES.length - 1]!;
    // The probe is the default size at the smallest shape, created first.
    expect(log.created[0]).toBe(`fake/linear-chunked T=${probe.tokens} c=64`);
    expect(['search', 'partial']).toContain(answer.source);
    expect(answer.searched?.measured[0]).toBe(64);
    expect(answer.searched?.measured).toContain(answer.chunkSize);
    expect(CHUNK_SIZES).toContain(answer.chunkSize as (typeof CHUNK_SIZES)[number]);
    expect(SEARCH_SHAPES).toContainEqual({
      tokens: answer.searched!.tokens,
      heads: answer.searched!.heads,
    });
    // Kept in storage exactly when the search was complete at 4,096 tokens or more.
    expect(items.size).toBe(answer.stored ? 1 : 0);
    expect(answer.stored).toBe(answer.source === 'search' && answer.searched!.tokens >= 4096);
    expect([...log.destroyed].sort()).toEqual([...log.created].sort());

    const created = log.created.length;
    const again = await resolver.resolve(ready, request);
    expect(again).toMatchObject({ chunkSize: answer.chunkSize, earlier: true });
    expect(log.created).toHaveLength(created);
  });
});
