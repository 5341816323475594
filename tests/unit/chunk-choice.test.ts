import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdapterSummary } from '../../src/gpu/device.ts';
import type { BenchRecord } from '../../src/gpu/records.ts';
import {
  chooseChunkSize,
  chunkSizeKey,
  createMemoryChunkCache,
  createStorageChunkCache,
  type ChunkChoiceOptions,
} from '../../src/gpu/sweep/chunk-choice.ts';
import type { ChunkSearchOptions, SweepGpu } from '../../src/gpu/sweep/types.ts';
import { createFileChunkCache } from '../../src/node/chunk-size-cache.ts';

const info = (description: string): AdapterSummary => ({
  vendor: 'nvidia',
  architecture: 'hopper',
  device: '',
  description,
  isFallbackAdapter: false,
  name: 'nvidia hopper',
});
const gpu = (description = 'NVIDIA H200'): SweepGpu => ({
  device: {} as GPUDevice,
  info: info(description),
});

/** A search whose chunk sizes take the given ms (null: skipped), recording what it was asked. */
function fakeSearch(ms: Record<number, number | null>) {
  const calls: ChunkSearchOptions[] = [];
  const search = async (_: SweepGpu, options: ChunkSearchOptions): Promise<BenchRecord[]> => {
    calls.push(options);
    await new Promise((resolve) => setTimeout(resolve, 1));
    return (options.chunkSizes ?? []).map(
      (c) =>
        ({
          task: 'chunk-search',
          form: 'linear-chunked',
          chunkSize: c,
          tokens: options.tokens,
          medianMs: ms[c] ?? null,
          status: ms[c] === null || ms[c] === undefined ? 'skipped' : 'ok',
        }) as BenchRecord,
    );
  };
  return { calls, search };
}

describe('the per-device chunk size', () => {
  it('searches on first use, returns the fastest median and caches it; the second use reads the cache', async () => {
    const cache = createMemoryChunkCache();
    const { calls, search } = fakeSearch({ 16: 3, 32: 2, 64: 1.5, 128: 1.2, 256: 1.9 });
    const options: ChunkChoiceOptions = { cache, search };
    const first = await chooseChunkSize(gpu(), options);
    expect(first).toMatchObject({ chunkSize: 128, source: 'search' });
    expect(first.records).toHaveLength(5);
    expect(calls[0]).toMatchObject({ tokens: 16_384, heads: 12, dim: 64, samples: 3 });
    const second = await chooseChunkSize(gpu(), options);
    expect(second).toMatchObject({ chunkSize: 128, source: 'cache', records: [] });
    expect(calls).toHaveLength(1);
  });

  it('keys the answer by adapter and problem: another GPU or head dimension searches again', async () => {
    const cache = createMemoryChunkCache();
    const { calls, search } = fakeSearch({ 32: 1, 64: 2 });
    await chooseChunkSize(gpu('NVIDIA H200'), { cache, search, chunkSizes: [32, 64] });
    await chooseChunkSize(gpu('Apple M2'), { cache, search, chunkSizes: [32, 64] });
    await chooseChunkSize(gpu('NVIDIA H200'), { cache, search, chunkSizes: [32, 64], dim: 32 });
    expect(calls).toHaveLength(3);
    expect(chunkSizeKey(info('a'))).not.toBe(chunkSizeKey(info('b')));
    expect(chunkSizeKey(info('a'), { normalize: false })).not.toBe(chunkSizeKey(info('a')));
    expect(chunkSizeKey(info('a'), { featureMap: 'identity' })).not.toBe(chunkSizeKey(info('a')));
  });

  it('falls back to the default size, uncached, when nothing could be measured', async () => {
    const cache = createMemoryChunkCache();
    const { calls, search } = fakeSearch({ 16: null, 32: null });
    const choice = await chooseChunkSize(gpu(), { cache, search, chunkSizes: [16, 32] });
    expect(choice).toMatchObject({ chunkSize: 64, source: 'default' });
    await chooseChunkSize(gpu(), { cache, search, chunkSizes: [16, 32] });
    expect(calls).toHaveLength(2);
  });

  it('returns the fastest of a search cut short by its budget without caching it', async () => {
    const cache = createMemoryChunkCache();
    const { calls, search } = fakeSearch({ 16: 2, 32: 1, 64: null });
    const choice = await chooseChunkSize(gpu(), { cache, search, chunkSizes: [16, 32, 64] });
    expect(choice).toMatchObject({ chunkSize: 32, source: 'partial' });
    await chooseChunkSize(gpu(), { cache, search, chunkSizes: [16, 32, 64] });
    expect(calls).toHaveLength(2);
  });

  it('shares one search among concurrent first uses, and searches again for a cached size no longer offered', async () => {
    const cache = createMemoryChunkCache();
    const { calls, search } = fakeSearch({ 32: 1, 64: 2, 128: 0.5 });
    const [a, b] = await Promise.all([
      chooseChunkSize(gpu(), { cache, search, chunkSizes: [32, 64] }),
      chooseChunkSize(gpu(), { cache, search, chunkSizes: [32, 64] }),
    ]);
    expect([a.chunkSize, b.chunkSize, calls.length]).toEqual([32, 32, 1]);
    const wider = await chooseChunkSize(gpu(), { cache, search, chunkSizes: [64, 128] });
    expect(wider).toMatchObject({ chunkSize: 128, source: 'search' });
  });

  it('keeps answers in Web Storage under a prefix and survives storage that throws', () => {
    const items = new Map<string, string>();
    const storage = {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
    };
    const cache = createStorageChunkCache(storage, 'p/');
    expect(cache.get('x')).toBeUndefined();
    cache.set('x', 128);
    expect(items.get('p/x')).toBe('128');
    expect(createStorageChunkCache(storage, 'p/').get('x')).toBe(128);
    items.set('p/y', 'junk');
    expect(cache.get('y')).toBeUndefined();
    const broken = createStorageChunkCache({
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('quota');
      },
    });
    expect(() => broken.set('x', 64)).not.toThrow();
    expect(broken.get('x')).toBeUndefined();
  });

  it('keeps answers in a JSON file in Node, ignoring a corrupt file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chunk-cache-'));
    const path = join(dir, 'sub', 'chunk-sizes.json');
    const cache = createFileChunkCache(path);
    expect(cache.get('k')).toBeUndefined();
    cache.set('k', 256);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ k: 256 });
    expect(createFileChunkCache(path).get('k')).toBe(256);
    writeFileSync(path, '{not json');
    expect(createFileChunkCache(path).get('k')).toBeUndefined();
  });
});
