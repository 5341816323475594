/**
 * The widgets' chunk size for chunk-size="auto" (src/widgets/shared/chunk-size.ts): page memory,
 * this browser's storage, and a short search sized to the device, driven by a fake search on a
 * fake clock that behaves as the sweep runner does (a candidate starts while budget is left and
 * takes its runs).
 */
import { describe, expect, it } from 'vitest';
import type { AdapterSummary } from '../../src/gpu/device.ts';
import type { BenchRecord } from '../../src/gpu/records.ts';
import { chunkSizeKey } from '../../src/gpu/sweep/chunk-choice.ts';
import type { ChunkSearchOptions, SweepGpu } from '../../src/gpu/sweep/types.ts';
import { chunkSizeAttribute, parseAttribute } from '../../src/widgets/shared/attributes.ts';
import {
  CHUNK_SEARCH_ORDER,
  chooseSearchShape,
  chunkSizeSetting,
  createChunkSizeResolver,
  describeChunkSize,
  PERSIST_MIN_TOKENS,
  SEARCH_SHAPES,
  shareableChunkSize,
  type ChunkSizeRequest,
} from '../../src/widgets/shared/chunk-size.ts';

const info: AdapterSummary = {
  vendor: 'intel',
  architecture: 'xe',
  device: '',
  description: 'Intel Iris Xe',
  isFallbackAdapter: false,
  name: 'intel xe',
};
const gpu: SweepGpu = { device: {} as GPUDevice, info };
const PREFIX = 'linear-attention-live/';

/** A Storage in a Map; `broken` makes every call throw (private browsing, a sandboxed frame). */
function fakeStorage(broken = false) {
  const items = new Map<string, string>();
  let reads = 0;
  return {
    items,
    reads: () => reads,
    storage: {
      getItem(key: string) {
        reads++;
        if (broken) throw new DOMException('denied', 'SecurityError');
        return items.get(key) ?? null;
      },
      setItem(key: string, value: string) {
        if (broken) throw new DOMException('denied', 'SecurityError');
        items.set(key, value);
      },
    },
  };
}

/**
 * A device whose run at chunk size c takes `perTokenHead[c]` ms per token and head, plus
 * `compileMs` per candidate; the clock advances as the runner's would (6 runs per candidate), and
 * a candidate starts only while the search's budget has time left.
 */
function fakeDevice(perTokenHead: Record<number, number>, compileMs = 5) {
  let now = 0;
  const calls: ChunkSearchOptions[] = [];
  const search = async (_: SweepGpu, options: ChunkSearchOptions): Promise<BenchRecord[]> => {
    calls.push(options);
    const started = now;
    return (options.chunkSizes ?? []).map((c) => {
      const left = (options.sweepBudgetMs ?? Infinity) - (now - started);
      const ms = perTokenHead[c]! * options.tokens * (options.heads ?? 12);
      if (left <= 0) {
        return { chunkSize: c, tokens: options.tokens, status: 'skipped', medianMs: null };
      }
      now += compileMs + 6 * ms;
      return { chunkSize: c, tokens: options.tokens, status: 'ok', medianMs: ms };
    }) as BenchRecord[];
  };
  return { calls, search, clock: () => now };
}

const FAST = { 16: 4e-6, 32: 3e-6, 64: 2e-6, 128: 1.5e-6, 256: 1.8e-6 };
/** SwiftShader-like: about 0.3 ms per token and head. */
const SLOW = { 16: 0.4, 32: 0.35, 64: 0.3, 128: 0.28, 256: 0.29 };

function request(device: ReturnType<typeof fakeDevice>, extra: Partial<ChunkSizeRequest> = {}) {
  return {
    setting: 'auto',
    form: 'linear-chunked',
    dim: 64,
    sweep: { budgetClock: device.clock },
    ...extra,
  } as ChunkSizeRequest;
}

describe("the widgets' chunk size for chunk-size=auto", () => {
  it('times the default first, then outward', () => {
    expect(CHUNK_SEARCH_ORDER).toEqual([64, 32, 128, 16, 256]);
  });

  it('a size from the page bypasses everything: no storage read, no search', async () => {
    const store = fakeStorage();
    const device = fakeDevice(FAST);
    const resolver = createChunkSizeResolver({
      storage: () => store.storage,
      search: device.search,
    });
    const answer = await resolver.resolve(gpu, request(device, { setting: 32 }));
    expect(answer).toMatchObject({ chunkSize: 32, source: 'attribute', searched: null });
    expect(store.reads()).toBe(0);
    expect(device.calls).toHaveLength(0);
    expect(describeChunkSize(answer, 'Chunked linear attention', 64)).toBe(
      "Chunked linear attention ran at chunk size 32, set by the page. The reference GPU's chunked numbers are at chunk size 64.",
    );
  });

  it('finds an answer kept in this browser without searching', async () => {
    const store = fakeStorage();
    store.items.set(PREFIX + chunkSizeKey(info, { form: 'linear-chunked', dim: 64 }), '128');
    const device = fakeDevice(FAST);
    const resolver = createChunkSizeResolver({
      storage: () => store.storage,
      search: device.search,
    });
    const answer = await resolver.resolve(gpu, request(device));
    expect(answer).toMatchObject({ chunkSize: 128, source: 'cache', stored: true });
    expect(device.calls).toHaveLength(0);
    expect(describeChunkSize(answer, 'X', 64)).toMatch(
      /^X ran at chunk size 128, the fastest of 16–256 on this GPU \(found in this browser, from an earlier search\)\. The reference GPU's chunked numbers are at chunk size 64\.$/,
    );
  });

  it('on a miss, a fast GPU is searched at 4,096 tokens with 12 heads, every candidate, and the fastest is kept in this browser', async () => {
    const store = fakeStorage();
    const device = fakeDevice(FAST);
    const resolver = createChunkSizeResolver({
      storage: () => store.storage,
      search: device.search,
    });
    let started = 0;
    const answer = await resolver.resolve(gpu, request(device, { onSearch: () => started++ }));
    expect(started).toBe(1);
    // The probe (the default at the smallest shape), then the full search.
    expect(device.calls.map((c) => [c.tokens, c.heads, c.chunkSizes])).toEqual([
      [512, 1, [64]],
      [4096, 12, [64, 32, 128, 16, 256]],
    ]);
    expect(answer).toMatchObject({
      chunkSize: 128,
      source: 'search',
      stored: true,
      searched: { tokens: 4096, heads: 12, measured: [64, 32, 128, 16, 256] },
    });
    const key = PREFIX + chunkSizeKey(info, { form: 'linear-chunked', dim: 64 });
    expect(store.items.get(key)).toBe('128');
    expect(describeChunkSize(answer, 'Chunked linear attention on your GPU', 64)).toBe(
      "Chunked linear attention on your GPU ran at chunk size 128, the fastest of 16–256 on this GPU (timed now at 4,096 tokens with 12 heads; kept in this browser). The reference GPU's chunked numbers are at chunk size 64.",
    );
    // A second widget (or Run) on the page: the page's answer, no second search.
    const again = await resolver.resolve(gpu, request(device));
    expect(again).toMatchObject({ chunkSize: 128, source: 'search', earlier: true });
    expect(device.calls).toHaveLength(2);
    expect(describeChunkSize(again, 'X')).toContain('timed earlier on this page');
  });

  it('a slow GPU (a CPU emulation) is searched at the smallest shape, reusing the probe, and the answer stays out of storage', async () => {
    const store = fakeStorage();
    const device = fakeDevice(SLOW);
    const resolver = createChunkSizeResolver({
      storage: () => store.storage,
      search: device.search,
    });
    const answer = await resolver.resolve(gpu, request(device, { budgetMs: 20_000 }));
    const smallest = SEARCH_SHAPES[SEARCH_SHAPES.length - 1]!;
    expect(device.calls.map((c) => [c.tokens, c.heads, c.chunkSizes])).toEqual([
      [smallest.tokens, smallest.heads, [64]],
      [smallest.tokens, smallest.heads, [32, 128, 16, 256]],
    ]);
    expect(answer.searched?.tokens).toBeLessThan(PERSIST_MIN_TOKENS);
    expect(answer).toMatchObject({ source: 'search', stored: false });
    expect(store.items.size).toBe(0);
    expect(describeChunkSize(answer, 'X')).toContain('a short search, kept for this page only');
  });

  it('a search cut short gives the fastest size it timed, is not stored, and is remembered for the page: the next Run does not search again', async () => {
    const store = fakeStorage();
    const device = fakeDevice(SLOW);
    const resolver = createChunkSizeResolver({
      storage: () => store.storage,
      search: device.search,
    });
    const first = await resolver.resolve(gpu, request(device, { budgetMs: 2500 }));
    expect(first.source).toBe('partial');
    expect(first.searched?.measured[0]).toBe(64);
    expect(first.searched!.measured.length).toBeLessThan(5);
    expect(first.searched!.measured).toContain(first.chunkSize);
    expect(store.items.size).toBe(0);
    expect(describeChunkSize(first, 'X', 64)).toMatch(
      /^X ran at chunk size \d+: the search reached its time limit after timing 64(, \d+)* at 512 tokens with 1 head, so this is the fastest of those \(kept for this page only\)\./,
    );
    const calls = device.calls.length;
    const second = await resolver.resolve(gpu, request(device, { budgetMs: 2500 }));
    expect(second).toMatchObject({ chunkSize: first.chunkSize, source: 'partial', earlier: true });
    expect(device.calls).toHaveLength(calls);
  });

  it('a GPU too slow for anything but the probe runs at the default, measured, for this page', async () => {
    const device = fakeDevice(SLOW);
    const resolver = createChunkSizeResolver({ storage: () => null, search: device.search });
    const answer = await resolver.resolve(gpu, request(device, { budgetMs: 600 }));
    expect(device.calls).toHaveLength(1);
    expect(answer).toMatchObject({
      chunkSize: 64,
      source: 'partial',
      searched: { measured: [64] },
    });
    expect(describeChunkSize(answer, 'X', 64)).toBe(
      'X ran at chunk size 64, the default: the search reached its time limit after timing only this size at 512 tokens with 1 head (kept for this page only).',
    );
  });

  it('storage that throws behaves as none: the search still answers, and the page remembers it', async () => {
    const store = fakeStorage(true);
    const device = fakeDevice(FAST);
    const resolver = createChunkSizeResolver({
      storage: () => store.storage,
      search: device.search,
    });
    const answer = await resolver.resolve(gpu, request(device));
    expect(answer).toMatchObject({ chunkSize: 128, source: 'search' });
    const again = await resolver.resolve(gpu, request(device));
    expect(again).toMatchObject({ chunkSize: 128, earlier: true });
    expect(device.calls).toHaveLength(2);
    // localStorage itself may throw when read (a sandboxed frame): the same.
    const other = fakeDevice(FAST);
    const denied = createChunkSizeResolver({
      storage: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      search: other.search,
    });
    await expect(denied.resolve(gpu, request(other))).resolves.toMatchObject({ chunkSize: 128 });
  });

  it('an answer kept under another kernel version is not used: the search runs again', async () => {
    const store = fakeStorage();
    const key = chunkSizeKey(info, { form: 'linear-chunked', dim: 64 });
    const older = key.replace(/\/v(\d+)\//, (_, v: string) => `/v${Number(v) - 1}/`);
    expect(older).not.toBe(key);
    store.items.set(PREFIX + older, '16');
    const device = fakeDevice(FAST);
    const resolver = createChunkSizeResolver({
      storage: () => store.storage,
      search: device.search,
    });
    const answer = await resolver.resolve(gpu, request(device));
    expect(answer).toMatchObject({ chunkSize: 128, source: 'search' });
    expect(device.calls.length).toBeGreaterThan(0);
  });

  it('keys answers by form and d: the gated form and another d search on their own', async () => {
    const device = fakeDevice(FAST);
    const resolver = createChunkSizeResolver({ storage: () => null, search: device.search });
    await resolver.resolve(gpu, request(device));
    await resolver.resolve(gpu, request(device, { form: 'gated-chunked' }));
    await resolver.resolve(gpu, request(device, { dim: 32 }));
    expect(device.calls.filter((c) => c.tokens === 4096).map((c) => [c.form, c.dim])).toEqual([
      ['linear-chunked', 64],
      ['gated-chunked', 64],
      ['linear-chunked', 32],
    ]);
  });

  it('two widgets asking at once share one search', async () => {
    const device = fakeDevice(FAST);
    const resolver = createChunkSizeResolver({ storage: () => null, search: device.search });
    const [a, b] = await Promise.all([
      resolver.resolve(gpu, request(device)),
      resolver.resolve(gpu, request(device)),
    ]);
    expect(a.chunkSize).toBe(b.chunkSize);
    expect(device.calls).toHaveLength(2);
  });

  it("the chunk tuner's full search is remembered for the page and kept in this browser", async () => {
    const store = fakeStorage();
    const device = fakeDevice(FAST);
    const resolver = createChunkSizeResolver({
      storage: () => store.storage,
      search: device.search,
    });
    resolver.remember(gpu, { form: 'linear-chunked', dim: 64 }, 32, {
      tokens: 8192,
      heads: 12,
      measured: [16, 32, 64, 128, 256],
    });
    const answer = await resolver.resolve(gpu, request(device));
    expect(answer).toMatchObject({ chunkSize: 32, source: 'search', earlier: true });
    expect(device.calls).toHaveLength(0);
    expect(store.items.get(PREFIX + chunkSizeKey(info, { form: 'linear-chunked', dim: 64 }))).toBe(
      '32',
    );
  });

  it("hands the chunk tuner's answer on only from a complete search at 4,096 tokens or more", () => {
    const record = (c: number, ms: number | null) =>
      ({ chunkSize: c, medianMs: ms, status: ms === null ? 'skipped' : 'ok' }) as BenchRecord;
    const all = [record(16, 3), record(32, 2), record(64, 1.1), record(128, 1.0), record(256, 1.4)];
    expect(shareableChunkSize(all, 4096)).toEqual({ chunkSize: 128 });
    expect(shareableChunkSize(all, 16_384)).toEqual({ chunkSize: 128 });
    expect(shareableChunkSize(all, 2048)).toEqual({
      reason:
        'Timed below 4,096 tokens, where fixed costs per run weigh more than the chunk size, so the other widgets on this page keep their own choice.',
    });
    const missing = [...all.slice(0, 4), record(256, null)];
    expect(shareableChunkSize(missing, 8192)).toEqual({
      reason:
        'Not every chunk size was timed, so the other widgets on this page keep their own choice.',
    });
    expect('reason' in shareableChunkSize(all.slice(0, 3), 8192)).toBe(true);
  });

  it('chooses the largest search shape that fits, from the probe', () => {
    expect(chooseSearchShape({ runMs: 0.05, wallMs: 20 }, 5000)).toEqual({
      tokens: 4096,
      heads: 12,
    });
    // A CPU emulation: 150 ms a run at 512 tokens with 1 head, 1 s for the probe in all.
    expect(chooseSearchShape({ runMs: 150, wallMs: 1000 }, 1000)).toBeNull();
    expect(chooseSearchShape({ runMs: 150, wallMs: 1000 }, 4000)).toEqual(
      SEARCH_SHAPES[SEARCH_SHAPES.length - 1],
    );
    // A laptop GPU: 0.3 ms at 512 x 1, 200 ms of compiling: 4,096 x 4 fits 2 s, 4,096 x 12 does not.
    expect(chooseSearchShape({ runMs: 0.3, wallMs: 200 }, 2000)).toEqual({
      tokens: 4096,
      heads: 4,
    });
  });

  it('reads the attribute: "auto" or a size; garbage gets its sentence and the default, auto', () => {
    const attribute = chunkSizeAttribute('Chunk size.', { auto: true });
    expect(parseAttribute(attribute, null)).toEqual({ value: 'auto', correction: null });
    expect(parseAttribute(attribute, ' AUTO ').value).toBe('auto');
    expect(parseAttribute(attribute, '128')).toEqual({ value: 128, correction: null });
    const garbage = parseAttribute(attribute, 'fast');
    expect(garbage.value).toBe('auto');
    expect(garbage.correction?.message).toBe(
      'chunk-size="fast" is not one of auto, 16, 32, 64, 128, 256; using the default, auto.',
    );
    expect(parseAttribute(attribute, '7').correction?.message).toBe(
      'chunk-size="7" is not one of auto, 16, 32, 64, 128, 256; using 16.',
    );
    expect(chunkSizeSetting(128)).toBe(128);
    expect(chunkSizeSetting('auto')).toBe('auto');
    expect(chunkSizeSetting(Number.NaN)).toBe('auto');
    // The cost widget's attribute stays a number.
    expect(parseAttribute(chunkSizeAttribute(), 'auto').correction?.message).toBe(
      'chunk-size="auto" is not a number; using the default, 64.',
    );
  });
});
