/**
 * The page's one GPU, shared by every widget on the page: acquired on first use, and acquired
 * again after a loss the page did not cause (a driver reset, the GPU process restarting, or
 * `device.destroy()` from outside), as WebGPU advises: a lost device never comes back, a new
 * adapter and device replace it. Recovery starts by itself after a short, growing delay, and at
 * once when a widget asks for the GPU (the reader's next action). Widgets read `outcome`
 * reactively; nothing here keeps the dead device once it is lost.
 */
import {
  acquireGpu,
  type AcquireOptions,
  type GpuLost,
  type GpuOutcome,
} from '../../gpu/device.ts';

/** Delays before the automatic attempts after a loss, in ms: 0.5 s, 2 s, 8 s. */
export const RECOVERY_DELAYS_MS = [500, 2000, 8000] as const;
/** More losses than this within LOSS_WINDOW_MS stop the automatic attempts (a failing driver). */
export const MAX_LOSSES_PER_WINDOW = 4;
export const LOSS_WINDOW_MS = 60_000;

export type PageGpuOutcome = GpuOutcome | GpuLost;

export interface PageGpuDeps {
  acquire?: (options: AcquireOptions) => Promise<GpuOutcome>;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
  now?: () => number;
}

export class PageGpu {
  /** Null until the first `acquire()` settles; `lost` between a loss and the next device. */
  outcome = $state.raw<PageGpuOutcome | null>(null);
  /** Uncaptured GPU errors, newest last (shown by widgets that care). */
  errors = $state.raw<string[]>([]);
  /** The most recent loss, kept after recovery so widgets can say what happened. */
  lastLoss = $state.raw<GpuLost | null>(null);
  /** How many lost devices have been replaced by a new one. */
  recoveries = $state(0);
  /** True while a new device is being requested after a loss. */
  recovering = $state(false);
  /** When the next automatic attempt is due (ms since the epoch), or null when none is planned. */
  retryAt = $state<number | null>(null);

  #pending: Promise<PageGpuOutcome> | null = null;
  /** Counts acquisitions: a loss reported by an older device than the current one is ignored. */
  #generation = 0;
  #timer: unknown = null;
  #attempt = 0;
  #losses: number[] = [];
  #afterLoss = false;
  /** The generation whose device was reported lost. */
  #lostDuring = 0;
  #recoveredListeners: (() => void)[] = [];
  readonly #acquire: (options: AcquireOptions) => Promise<GpuOutcome>;
  readonly #setTimer: (callback: () => void, ms: number) => unknown;
  readonly #clearTimer: (timer: unknown) => void;
  readonly #now: () => number;

  constructor(deps: PageGpuDeps = {}) {
    this.#acquire = deps.acquire ?? acquireGpu;
    this.#setTimer = deps.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.#clearTimer =
      deps.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
    this.#now = deps.now ?? (() => Date.now());
  }

  /**
   * The page's GPU: the current device while it lives; after a loss, a new one (requested now,
   * whatever automatic attempt was planned). "No WebGPU" and "no adapter" on first use are
   * final for the page; after a loss, every call tries again.
   */
  acquire(): Promise<PageGpuOutcome> {
    if (this.#pending) return this.#pending;
    const current = this.outcome;
    if (current?.kind === 'ready') return Promise.resolve(current);
    if (current?.kind === 'unsupported' && !this.#afterLoss) return Promise.resolve(current);
    return this.#start();
  }

  /**
   * Calls `listener` each time a new device replaces a lost one (so a widget can run again on
   * it). Returns the function that unsubscribes.
   */
  onRecovered(listener: () => void): () => void {
    this.#recoveredListeners.push(listener);
    return () => {
      this.#recoveredListeners = this.#recoveredListeners.filter((l) => l !== listener);
    };
  }

  #start(): Promise<PageGpuOutcome> {
    this.#cancelRetry();
    const generation = ++this.#generation;
    const recovering = this.#afterLoss;
    this.recovering = recovering;
    const pending = this.#acquire({
      onLost: (lost) => {
        if (generation === this.#generation) this.#onLost(lost);
      },
      onUncapturedError: (message) => {
        if (generation === this.#generation) this.errors = [...this.errors, message];
      },
    }).then(
      (outcome): PageGpuOutcome => this.#settle(generation, recovering, outcome),
      (error: unknown): PageGpuOutcome =>
        this.#settle(generation, recovering, {
          kind: 'unsupported',
          cause: 'request-device-failed',
          reason: `Requesting a GPU failed (${error instanceof Error ? error.message : String(error)}).`,
        }),
    );
    this.#pending = pending;
    return pending;
  }

  #settle(generation: number, recovering: boolean, outcome: GpuOutcome): PageGpuOutcome {
    this.#pending = null;
    if (generation !== this.#generation) {
      // Superseded (cannot happen while #pending guards #start, but never keep a stray device).
      if (outcome.kind === 'ready') outcome.device.destroy();
      return this.outcome ?? outcome;
    }
    this.recovering = false;
    // A loss reported while the device was being created (outcome already `lost`) wins.
    if (this.outcome?.kind === 'lost' && this.#lostDuring === generation) {
      return this.outcome;
    }
    this.outcome = outcome;
    if (outcome.kind === 'ready') {
      this.#afterLoss = false;
      this.#attempt = 0;
      if (recovering) {
        this.recoveries += 1;
        for (const listener of [...this.#recoveredListeners]) listener();
      }
    } else if (recovering) {
      this.#scheduleRetry();
    }
    return outcome;
  }

  #onLost(lost: GpuLost): void {
    this.#lostDuring = this.#generation;
    this.outcome = lost;
    this.lastLoss = lost;
    this.#afterLoss = true;
    this.#attempt = 0;
    const now = this.#now();
    this.#losses = [...this.#losses.filter((t) => now - t < LOSS_WINDOW_MS), now];
    this.#scheduleRetry();
  }

  /** Plans the next automatic attempt, unless the device keeps failing or attempts ran out. */
  #scheduleRetry(): void {
    this.#cancelRetry();
    if (this.#losses.length > MAX_LOSSES_PER_WINDOW) return;
    const delay = RECOVERY_DELAYS_MS[this.#attempt];
    if (delay === undefined) return;
    this.#attempt += 1;
    this.retryAt = this.#now() + delay;
    this.#timer = this.#setTimer(() => {
      this.#timer = null;
      this.retryAt = null;
      if (this.outcome?.kind !== 'ready' && !this.#pending) void this.#start();
    }, delay);
  }

  #cancelRetry(): void {
    if (this.#timer !== null) this.#clearTimer(this.#timer);
    this.#timer = null;
    this.retryAt = null;
  }
}

/** The single instance every widget on a page shares. */
export const pageGpu = new PageGpu();
