/**
 * The chunk size a device runs a chunked form fastest at: a short search the first time (every
 * candidate size timed at one context length, searchChunkSize), then the answer cached under the
 * adapter's identity, so a page or a CLI pays for the search once per GPU and kernel version. No
 * size is tied to one card: the answer is whatever this device measured, and DEFAULT_CHUNK_SIZE
 * only when nothing could be measured (that answer is not cached).
 */
import type { AdapterSummary } from '../device.ts';
import type { BenchRecord } from '../records.ts';
import {
  CHUNK_SIZES,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_FEATURE_MAP,
  type AttentionForm,
  type FeatureMap,
} from '../types.ts';
import { searchChunkSize } from './plans.ts';
import { collectSweep, pickFastest } from './runner.ts';
import type { ChunkSearchOptions, SweepGpu } from './types.ts';

/**
 * Bumped whenever a chunked kernel changes in a way that can move the best chunk size: cached
 * answers of older kernels are then searched again.
 */
export const CHUNK_CHOICE_VERSION = 1;

/** Where chosen chunk sizes are kept: memory, a page's localStorage, a file in Node. */
export interface ChunkSizeCache {
  get(key: string): number | undefined;
  set(key: string, chunkSize: number): void;
}

/** A cache in memory (lost with the process or page). */
export function createMemoryChunkCache(): ChunkSizeCache {
  const entries = new Map<string, number>();
  return {
    get: (key) => entries.get(key),
    set: (key, chunkSize) => void entries.set(key, chunkSize),
  };
}

/**
 * A cache in a Web Storage (the page passes `localStorage`), one item per key under `prefix`.
 * Storage that throws (private browsing, quota) behaves as an empty cache that forgets.
 */
export function createStorageChunkCache(
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  prefix = 'linear-attention-live/',
): ChunkSizeCache {
  return {
    get(key) {
      try {
        const value = Number(storage.getItem(prefix + key));
        return Number.isInteger(value) && value > 0 ? value : undefined;
      } catch {
        return undefined;
      }
    },
    set(key, chunkSize) {
      try {
        storage.setItem(prefix + key, String(chunkSize));
      } catch {
        // A cache that cannot keep the answer only costs a second search.
      }
    },
  };
}

/** What a chunk-size answer depends on besides the device. */
export interface ChunkChoiceShape {
  /** Default 'linear-chunked'. */
  form?: AttentionForm;
  /** Head dimension; default 64. */
  dim?: number;
  /** Default 'softplus'. */
  featureMap?: FeatureMap;
  /** Default true. */
  normalize?: boolean;
}

/**
 * The cache key: the adapter's vendor, architecture, device and description, the kernel version,
 * and the problem's form, head dimension, feature map and normalisation.
 */
export function chunkSizeKey(info: AdapterSummary, shape: ChunkChoiceShape = {}): string {
  const adapter = [info.vendor, info.architecture, info.device, info.description]
    .map((part) => part.trim() || '-')
    .join('|');
  const form = shape.form ?? 'linear-chunked';
  const map = shape.featureMap ?? DEFAULT_FEATURE_MAP;
  const normalized = (shape.normalize ?? true) ? 'normalized' : 'plain';
  return `chunk-size/v${CHUNK_CHOICE_VERSION}/${adapter}/${form}/d${shape.dim ?? 64}/${map}/${normalized}`;
}

export interface ChunkChoiceOptions extends ChunkChoiceShape {
  cache: ChunkSizeCache;
  /** Heads of the timed problem; default 12. */
  heads?: number;
  /**
   * The context length searched at; default 16,384: long enough for the chunk size to matter
   * (the chunk states and the causal blocks trade off), short enough for about a second on a
   * laptop GPU.
   */
  tokens?: number;
  /** Candidates; default CHUNK_SIZES. */
  chunkSizes?: readonly number[];
  /** Samples per candidate; default 3. */
  samples?: number;
  /** Wall-clock ms the whole search may take; default 5,000. */
  budgetMs?: number;
  /** The search itself; default: searchChunkSize drained by collectSweep. Tests inject one. */
  search?: (gpu: SweepGpu, options: ChunkSearchOptions) => Promise<BenchRecord[]>;
  /** Passed to the default search (tests: a fake attention, a fixed clock). */
  sweep?: Partial<ChunkSearchOptions>;
}

export interface ChunkChoice {
  chunkSize: number;
  /**
   * 'cache': found under `key`; 'search': every candidate measured now, the fastest cached;
   * 'partial': the fastest of the candidates the budget reached, not cached; 'default': nothing
   * measured.
   */
  source: 'cache' | 'search' | 'partial' | 'default';
  key: string;
  /** The search's records ([] unless source is 'search' or 'default'). */
  records: BenchRecord[];
}

/** Searches in flight, per cache and key: concurrent first uses share one search. */
const inFlight = new WeakMap<ChunkSizeCache, Map<string, Promise<ChunkChoice>>>();

const defaultSearch = (gpu: SweepGpu, options: ChunkSearchOptions): Promise<BenchRecord[]> =>
  collectSweep(searchChunkSize(gpu, options));

/**
 * The chunk size for this device and problem: the cached answer, or a short search whose fastest
 * candidate (median time) is returned, and cached when every candidate was measured. A cached size
 * no longer among the candidates is searched again.
 */
export async function chooseChunkSize(
  gpu: SweepGpu,
  options: ChunkChoiceOptions,
): Promise<ChunkChoice> {
  const { cache } = options;
  const candidates = options.chunkSizes ?? CHUNK_SIZES;
  const key = chunkSizeKey(gpu.info, options);
  const cached = cache.get(key);
  if (cached !== undefined && candidates.includes(cached)) {
    return { chunkSize: cached, source: 'cache', key, records: [] };
  }
  const pending = inFlight.get(cache) ?? new Map<string, Promise<ChunkChoice>>();
  inFlight.set(cache, pending);
  const running = pending.get(key);
  if (running) return running;
  const search = (async (): Promise<ChunkChoice> => {
    const records = await (options.search ?? defaultSearch)(gpu, {
      ...options.sweep,
      form: options.form ?? 'linear-chunked',
      tokens: options.tokens ?? 16_384,
      chunkSizes: candidates,
      heads: options.heads ?? 12,
      dim: options.dim ?? 64,
      featureMap: options.featureMap ?? DEFAULT_FEATURE_MAP,
      normalize: options.normalize ?? true,
      samples: options.samples ?? 3,
      sweepBudgetMs: options.budgetMs ?? 5000,
    });
    const best = pickFastest(records);
    const chunkSize = best?.chunkSize;
    if (chunkSize === undefined || chunkSize === null || !candidates.includes(chunkSize)) {
      return { chunkSize: DEFAULT_CHUNK_SIZE, source: 'default', key, records };
    }
    // Only a search that measured every candidate is kept: one cut short by its budget would
    // keep whichever sizes it reached first.
    if (records.length < candidates.length || records.some((r) => r.status !== 'ok')) {
      return { chunkSize, source: 'partial', key, records };
    }
    cache.set(key, chunkSize);
    return { chunkSize, source: 'search', key, records };
  })();
  pending.set(key, search);
  try {
    return await search;
  } finally {
    pending.delete(key);
  }
}
