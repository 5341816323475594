/**
 * The chunk size the widgets run chunked forms at when their `chunk-size` attribute is "auto"
 * (the default of <la-race> and <la-timing-chart>): this GPU's own answer, found once and reused.
 *
 * In order: an answer this page already has (an earlier run, or the chunk tuner), else one kept in
 * this browser's localStorage from an earlier visit (createStorageChunkCache, keyed by
 * chunkSizeKey: the adapter, the kernel version CHUNK_CHOICE_VERSION, the form, d, feature map and
 * normaliser), else a short search through chooseChunkSize inside the widget's own run, so Stop,
 * visibility and the run's time budget apply to it.
 *
 * The search fits the device. A probe times the default size on a tiny problem; from it the
 * largest search shape whose predicted cost fits the budget is chosen (4,096 tokens with 12 heads
 * on a discrete or a recent laptop GPU; 512 tokens with 1 head on a CPU emulation such as
 * SwiftShader, where 4,096 x 12 takes seconds per run). Candidates are timed from the default
 * outward (64, 32, 128, 16, 256), so a search cut short by its budget has still timed the default
 * and its neighbours, and its answer is never one it did not measure against the default. Only a
 * complete search at PERSIST_MIN_TOKENS or more is kept in localStorage; anything less (a search cut
 * short, or one at a smaller shape) is kept for the page only, so the next Run does not search
 * again. Framework-free: both widgets use it, and unit tests drive it with a fake search.
 */
import {
  chooseChunkSize,
  chunkSizeKey,
  createMemoryChunkCache,
  createStorageChunkCache,
  type ChunkChoiceShape,
  type ChunkSizeCache,
} from '../../gpu/sweep/chunk-choice.ts';
import type { BenchRecord } from '../../gpu/records.ts';
import { searchChunkSize } from '../../gpu/sweep/plans.ts';
import { collectSweep, pickFastest } from '../../gpu/sweep/runner.ts';
import type { ChunkSearchOptions, SweepEvent, SweepGpu } from '../../gpu/sweep/types.ts';
import { CHUNK_SIZES, DEFAULT_CHUNK_SIZE } from '../../gpu/types.ts';
import { formatTokens } from './format.ts';

/** A widget's chunk-size setting: a size the page chose, or "auto" (this GPU's own). */
export type ChunkSizeSetting = number | 'auto';

/** Reads an attribute's parsed value as a setting: "auto", or a finite number; else "auto". */
export function chunkSizeSetting(value: unknown): ChunkSizeSetting {
  return typeof value === 'number' && Number.isFinite(value) ? value : 'auto';
}

/**
 * Candidates in the order they are timed: the default first, then outward, so a search its budget
 * cuts short has measured the default and the sizes nearest it.
 */
export const CHUNK_SEARCH_ORDER: readonly number[] = [...CHUNK_SIZES].sort(
  (a, b) =>
    Math.abs(Math.log2(a / DEFAULT_CHUNK_SIZE)) - Math.abs(Math.log2(b / DEFAULT_CHUNK_SIZE)) ||
    a - b,
);

/**
 * The shortest search context kept in localStorage (and the chunk tuner's bound for storing its
 * own search). Below it a head has at most 64 chunks of 64 and 16 of 256: the GPU is far from
 * full, and fixed per-run costs (submission, dispatches, the few chunks' parallelism) weigh as
 * much as the chunk size, while the trade-off the size is chosen for (the causal blocks inside a
 * chunk against the state passed between chunks) shows at the long contexts the widgets race. An
 * answer from a shorter search is still this GPU's best guess, for this page only.
 */
export const PERSIST_MIN_TOKENS = 4096;

/** Search shapes, largest first; the last is also the probe's. */
export const SEARCH_SHAPES: readonly { tokens: number; heads: number }[] = [
  { tokens: 4096, heads: 12 },
  { tokens: 4096, heads: 4 },
  { tokens: 1024, heads: 2 },
  { tokens: 512, heads: 1 },
];

/** The most wall-clock time (of the run's own clock) a search may take by default, ms. */
export const CHUNK_SEARCH_BUDGET_MS = 5000;

/**
 * Runs one candidate needs at least (2 warm-up, 1 pilot, 3 samples: timing.ts), and the margin on
 * a prediction scaled up from the probe.
 */
const RUNS_PER_CANDIDATE = 6;
const SAFETY = 1.5;

/**
 * The largest search shape whose remaining candidates are predicted to fit `leftMs`, from the
 * probe (the default size timed at the smallest shape: `runMs` per run, `wallMs` in all, compile
 * included), scaling run time with tokens x heads (the chunked form is linear in both); null
 * when not even one more candidate at the smallest shape fits.
 */
export function chooseSearchShape(
  probe: { runMs: number; wallMs: number },
  leftMs: number,
  candidates = CHUNK_SEARCH_ORDER.length - 1,
): { tokens: number; heads: number } | null {
  const smallest = SEARCH_SHAPES[SEARCH_SHAPES.length - 1]!;
  const base = smallest.tokens * smallest.heads;
  // What the probe spent besides its runs (compiling, reading back) is paid again per candidate.
  const overhead = Math.max(0, probe.wallMs - RUNS_PER_CANDIDATE * probe.runMs);
  const cost = (shape: { tokens: number; heads: number }) =>
    SAFETY * (overhead + RUNS_PER_CANDIDATE * probe.runMs * ((shape.tokens * shape.heads) / base));
  for (const shape of SEARCH_SHAPES) {
    const n = shape === smallest ? candidates : candidates + 1;
    if (cost(shape) * n <= leftMs) return shape;
  }
  // The smallest shape, cut short by the budget, where at least one more candidate fits.
  return cost(smallest) <= leftMs ? smallest : null;
}

/** Which answer a widget ran its chunked forms at, and why. */
export interface ChunkSizeAnswer {
  chunkSize: number;
  /**
   * 'attribute': the page set a size; 'cache': found in this browser's storage; 'search': every
   * candidate timed; 'partial': the search's budget ran out first (the fastest of those timed);
   * 'default': nothing could be timed.
   */
  source: 'attribute' | 'cache' | 'search' | 'partial' | 'default';
  /** True when this page already had the answer (an earlier run or widget): no search this time. */
  earlier: boolean;
  /** Whether the answer is kept in this browser's storage for later visits. */
  stored: boolean;
  /** For a search: the shape it timed and the sizes it measured, in the order timed. */
  searched: { tokens: number; heads: number; measured: number[] } | null;
}

/** What a widget asks for: its form and problem, and how to run the search's points. */
export interface ChunkSizeRequest extends ChunkChoiceShape {
  setting: ChunkSizeSetting;
  /**
   * Runs a search's points, e.g. one scheduler job per point with the widget's gate and clock
   * (gpuScheduler.iterate). Default: as they come.
   */
  run?: (events: AsyncGenerator<SweepEvent>) => AsyncIterable<SweepEvent>;
  /**
   * Options for every search point: clockInfo, createAttention, signal, budgetClock (the run's
   * clock; the budget is read from it), measure.
   */
  sweep?: Omit<Partial<ChunkSearchOptions>, 'tokens' | 'heads' | 'chunkSizes' | 'form'>;
  /** The most the search may take, ms of `sweep.budgetClock`; default CHUNK_SEARCH_BUDGET_MS. */
  budgetMs?: number;
  /** Called once when a search (not a lookup) starts, e.g. to say so in the progress line. */
  onSearch?: () => void;
}

export interface ChunkSizeResolverDeps {
  /** The page's storage; default localStorage (reading it may throw in a sandboxed frame). */
  storage?: () => Pick<Storage, 'getItem' | 'setItem'> | null;
  /** The search; default searchChunkSize drained through the request's `run`. Tests inject one. */
  search?: (
    gpu: SweepGpu,
    options: ChunkSearchOptions,
    request: ChunkSizeRequest,
  ) => Promise<BenchRecord[]>;
}

function defaultStorage(): Pick<Storage, 'getItem' | 'setItem'> | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

const defaultSearch = (
  gpu: SweepGpu,
  options: ChunkSearchOptions,
  request: ChunkSizeRequest,
): Promise<BenchRecord[]> => {
  const events = searchChunkSize(gpu, options);
  return collectSweep(request.run ? request.run(events) : events);
};

export interface ChunkSizeResolver {
  /** The chunk size to run `request.form` at on `gpu`, and why (see ChunkSizeAnswer). */
  resolve(gpu: SweepGpu, request: ChunkSizeRequest): Promise<ChunkSizeAnswer>;
  /**
   * Keeps a size a complete search measured elsewhere (the chunk tuner's, at PERSIST_MIN_TOKENS or
   * more) for this page and in this browser's storage; later `resolve` calls find it.
   */
  remember(
    gpu: SweepGpu,
    shape: ChunkChoiceShape,
    chunkSize: number,
    searched: { tokens: number; heads: number; measured: number[] },
  ): void;
  /** The answer this page holds for `gpu` and `shape`, or null. */
  known(gpu: SweepGpu, shape: ChunkChoiceShape): ChunkSizeAnswer | null;
}

/** A resolver with its own page memory (one per page: `pageChunkSizes`; tests make their own). */
export function createChunkSizeResolver(deps: ChunkSizeResolverDeps = {}): ChunkSizeResolver {
  const memory = new Map<string, ChunkSizeAnswer>();
  const pending = new Map<string, Promise<ChunkSizeAnswer>>();
  const search = deps.search ?? defaultSearch;
  let storageCache: ChunkSizeCache | null = null;
  const stored = (): ChunkSizeCache => {
    if (!storageCache) {
      let storage: Pick<Storage, 'getItem' | 'setItem'> | null = null;
      try {
        storage = (deps.storage ?? defaultStorage)();
      } catch {
        // No storage here (a sandboxed frame): this page's memory only.
      }
      storageCache = storage ? createStorageChunkCache(storage) : createMemoryChunkCache();
    }
    return storageCache;
  };

  async function searchNow(gpu: SweepGpu, request: ChunkSizeRequest): Promise<ChunkSizeAnswer> {
    request.onSearch?.();
    const clock = request.sweep?.budgetClock ?? (() => performance.now());
    const started = clock();
    const budgetMs = request.budgetMs ?? CHUNK_SEARCH_BUDGET_MS;
    const probeShape = SEARCH_SHAPES[SEARCH_SHAPES.length - 1]!;
    const common = {
      ...request.sweep,
      form: request.form ?? 'linear-chunked',
      dim: request.dim ?? 64,
      ...(request.featureMap ? { featureMap: request.featureMap } : {}),
      ...(request.normalize !== undefined ? { normalize: request.normalize } : {}),
      samples: 3,
    };
    // The probe: the default size at the smallest shape (it is also that shape's first candidate).
    const [first, ...rest] = CHUNK_SEARCH_ORDER;
    const probe = await search(
      gpu,
      { ...common, ...probeShape, chunkSizes: [first!], sweepBudgetMs: budgetMs },
      request,
    );
    const probeMs = probe[0]?.status === 'ok' ? probe[0].medianMs : null;
    const spent = clock() - started;
    const shape =
      probeMs === null
        ? null
        : chooseSearchShape({ runMs: probeMs, wallMs: spent }, budgetMs - spent, rest.length);
    let records: BenchRecord[];
    let searched = probeShape;
    let source: ChunkSizeAnswer['source'];
    let chunkSize: number;
    if (shape === null) {
      // Nothing more fits (or the probe failed): the probe's answer, or the default.
      records = probe;
      source = probeMs === null ? 'default' : 'partial';
      chunkSize = DEFAULT_CHUNK_SIZE;
    } else {
      searched = shape;
      const reuseProbe = shape === probeShape;
      const persist = shape.tokens >= PERSIST_MIN_TOKENS;
      const choice = await chooseChunkSize(gpu, {
        // A search below PERSIST_MIN_TOKENS stays out of localStorage (see PERSIST_MIN_TOKENS).
        cache: persist ? stored() : createMemoryChunkCache(),
        form: common.form,
        dim: common.dim,
        ...(request.featureMap ? { featureMap: request.featureMap } : {}),
        ...(request.normalize !== undefined ? { normalize: request.normalize } : {}),
        heads: shape.heads,
        tokens: shape.tokens,
        chunkSizes: CHUNK_SEARCH_ORDER,
        samples: common.samples,
        budgetMs: Math.max(0, budgetMs - (clock() - started)),
        sweep: common,
        search: async (g, options) => {
          if (!reuseProbe) return search(g, options, request);
          const more = await search(g, { ...options, chunkSizes: rest }, request);
          return [...probe, ...more];
        },
      });
      records = choice.records;
      source = choice.source;
      chunkSize = choice.chunkSize;
    }
    const measured = records
      .filter((r) => r.status === 'ok' && r.chunkSize !== null)
      .map((r) => r.chunkSize!);
    return {
      chunkSize,
      source,
      earlier: false,
      stored: source === 'cache' || (source === 'search' && searched.tokens >= PERSIST_MIN_TOKENS),
      searched: source === 'cache' ? null : { ...searched, measured },
    };
  }

  const keyOf = (gpu: SweepGpu, shape: ChunkChoiceShape): string => chunkSizeKey(gpu.info, shape);

  async function resolve(gpu: SweepGpu, request: ChunkSizeRequest): Promise<ChunkSizeAnswer> {
    if (request.setting !== 'auto') {
      return {
        chunkSize: request.setting,
        source: 'attribute',
        earlier: false,
        stored: false,
        searched: null,
      };
    }
    const key = keyOf(gpu, request);
    const known = memory.get(key);
    if (known) return { ...known, earlier: true };
    const cached = stored().get(key);
    if (cached !== undefined && CHUNK_SIZES.includes(cached as (typeof CHUNK_SIZES)[number])) {
      const answer: ChunkSizeAnswer = {
        chunkSize: cached,
        source: 'cache',
        earlier: false,
        stored: true,
        searched: null,
      };
      memory.set(key, answer);
      return answer;
    }
    // Two widgets asking at once share one search; one whose own run was cancelled while the
    // other's search ran asks again (and may search itself).
    const running = pending.get(key);
    if (running) {
      try {
        return { ...(await running), earlier: true };
      } catch (error) {
        request.sweep?.signal?.throwIfAborted();
        if (pending.get(key) === running) throw error;
        return resolve(gpu, request);
      }
    }
    const search = searchNow(gpu, request);
    pending.set(key, search);
    try {
      const answer = await search;
      memory.set(key, answer);
      return answer;
    } finally {
      if (pending.get(key) === search) pending.delete(key);
    }
  }

  return {
    resolve,

    remember(gpu, shape, chunkSize, searched) {
      const key = keyOf(gpu, shape);
      stored().set(key, chunkSize);
      memory.set(key, { chunkSize, source: 'search', earlier: false, stored: true, searched });
    },

    known(gpu, shape) {
      return memory.get(keyOf(gpu, shape)) ?? null;
    },
  };
}

/**
 * Whether a search's answer may be handed to the other widgets (and kept in this browser): the
 * fastest size when every candidate was timed at PERSIST_MIN_TOKENS or more, else the reason in
 * words. A search missing a candidate would hand on a size never compared with it; a shorter one
 * measures fixed per-run costs as much as the chunk size (see PERSIST_MIN_TOKENS).
 */
export function shareableChunkSize(
  records: readonly BenchRecord[],
  tokens: number,
  candidates: readonly number[] = CHUNK_SIZES,
): { chunkSize: number } | { reason: string } {
  const timed = records.filter((r) => r.status === 'ok' && r.medianMs !== null);
  const best = pickFastest(timed);
  const complete = candidates.every((c) => timed.some((r) => r.chunkSize === c));
  if (!best?.chunkSize || !complete) {
    return {
      reason:
        'Not every chunk size was timed, so the other widgets on this page keep their own choice.',
    };
  }
  if (tokens < PERSIST_MIN_TOKENS) {
    return {
      reason: `Timed below ${formatTokens(PERSIST_MIN_TOKENS)} tokens, where fixed costs per run weigh more than the chunk size, so the other widgets on this page keep their own choice.`,
    };
  }
  return { chunkSize: best.chunkSize };
}

/** The page's one resolver: every widget on the page shares its memory. */
export const pageChunkSizes: ChunkSizeResolver = createChunkSizeResolver();

/** "16-256", the candidate range in words. */
const RANGE = `${CHUNK_SIZES[0]}–${CHUNK_SIZES[CHUNK_SIZES.length - 1]}`;

function headsText(heads: number): string {
  return `${heads} head${heads === 1 ? '' : 's'}`;
}

/**
 * One sentence saying which chunk size `subject` ran at and why, e.g. "Chunked linear attention on
 * your GPU ran at chunk size 128, the fastest of 16–256 on this GPU (timed now at 4,096 tokens
 * with 12 heads; kept in this browser)." With `referenceChunk`, what the reference GPU's rows
 * used is added where it differs, so no reference number reads as measured at the live size.
 */
export function describeChunkSize(
  answer: ChunkSizeAnswer,
  subject: string,
  referenceChunk: number | null = null,
): string {
  const c = answer.chunkSize;
  const s = answer.searched;
  const at = s ? ` at ${formatTokens(s.tokens)} tokens with ${headsText(s.heads)}` : '';
  const when = answer.earlier ? 'earlier on this page' : 'now';
  let why: string;
  switch (answer.source) {
    case 'attribute':
      why = `chunk size ${c}, set by the page`;
      break;
    case 'cache':
      why = `chunk size ${c}, the fastest of ${RANGE} on this GPU (found in this browser, from an earlier search)`;
      break;
    case 'search':
      why = `chunk size ${c}, the fastest of ${RANGE} on this GPU (timed ${when}${at}; ${answer.stored ? 'kept in this browser' : 'a short search, kept for this page only'})`;
      break;
    case 'partial': {
      const search = `the search ${answer.earlier ? 'earlier on this page ' : ''}reached its time limit`;
      const measured = s?.measured ?? [];
      why =
        measured.length > 1
          ? `chunk size ${c}: ${search} after timing ${measured.join(', ')}${at}, so this is the fastest of those (kept for this page only)`
          : `chunk size ${c}, the default: ${search} after timing only this size${at} (kept for this page only)`;
      break;
    }
    case 'default':
      why = `chunk size ${c}, the default: no chunk size could be timed on this GPU in the time allowed`;
      break;
  }
  const reference =
    referenceChunk !== null && referenceChunk !== c
      ? ` The reference GPU's chunked numbers are at chunk size ${referenceChunk}.`
      : '';
  return `${subject} ran at ${why}.${reference}`;
}
