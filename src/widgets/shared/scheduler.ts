/**
 * One GPU job at a time across every widget on a page. Widgets queue jobs here instead of
 * submitting work themselves, so that two benchmarks never share the GPU (each would slow the
 * other, and both numbers would be wrong). Jobs are cancellable with an AbortSignal: a queued job
 * leaves the queue at once, a running one is told through the signal it was given.
 */

/** The error a cancelled job rejects with (a DOMException named "AbortError", as fetch does). */
export function abortError(reason?: unknown): unknown {
  if (reason !== undefined) return reason;
  return new DOMException('The GPU job was cancelled.', 'AbortError');
}

/** True for what an aborted job throws: an AbortError, or the signal's own reason. */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted && error === signal.reason) return true;
  return error instanceof DOMException && error.name === 'AbortError';
}

export type GpuJob<T> = (signal: AbortSignal) => Promise<T>;

interface Entry {
  start: () => void;
  signal: AbortSignal;
  cancel: () => void;
}

/**
 * A millisecond clock that runs only while its owner's jobs run: time spent paused at a gate (the
 * widget off screen, the tab hidden) or queued behind other widgets' jobs does not count. A sweep
 * measures its time budget with it (`budgetClock`), so pausing does not spend the budget.
 */
export class JobClock {
  #total = 0;
  #since: number | null = null;
  #now: () => number;

  /** `now` is the underlying clock; default `performance.now`. */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Starts counting (a job begins); no effect while counting. */
  start(): void {
    this.#since ??= this.#now();
  }

  /** Stops counting (the job ended); no effect while stopped. */
  stop(): void {
    if (this.#since === null) return;
    this.#total += this.#now() - this.#since;
    this.#since = null;
  }

  /** Milliseconds counted so far. */
  now(): number {
    return this.#total + (this.#since === null ? 0 : this.#now() - this.#since);
  }
}

export interface ScheduleOptions {
  /** Cancels the job, queued or running. */
  signal?: AbortSignal;
  /** For debugging: what the job is. */
  label?: string;
}

/** A first-in, first-out queue that runs one job at a time. */
export class GpuScheduler {
  #queue: Entry[] = [];
  #running = false;
  /** Labels of the job running now (null when idle), for tests and debugging. */
  current: string | null = null;

  /** Jobs waiting, not counting the running one. */
  get waiting(): number {
    return this.#queue.length;
  }

  get busy(): boolean {
    return this.#running;
  }

  /** Queues `job`; resolves or rejects with its outcome, or rejects with an AbortError. */
  run<T>(job: GpuJob<T>, options: ScheduleOptions = {}): Promise<T> {
    const controller = new AbortController();
    const outer = options.signal;
    return new Promise<T>((resolve, reject) => {
      if (outer?.aborted) {
        reject(abortError(outer.reason));
        return;
      }
      const onAbort = (): void => controller.abort(outer?.reason);
      outer?.addEventListener('abort', onAbort, { once: true });
      const entry: Entry = {
        signal: controller.signal,
        cancel: () => {
          outer?.removeEventListener('abort', onAbort);
          reject(abortError(controller.signal.reason));
        },
        start: () => {
          this.current = options.label ?? 'gpu job';
          job(controller.signal)
            .then(resolve, reject)
            .finally(() => {
              outer?.removeEventListener('abort', onAbort);
              this.current = null;
              this.#running = false;
              this.#next();
            });
        },
      };
      // A job cancelled while it waits leaves the queue at once.
      controller.signal.addEventListener(
        'abort',
        () => {
          const at = this.#queue.indexOf(entry);
          if (at >= 0) {
            this.#queue.splice(at, 1);
            entry.cancel();
          }
        },
        { once: true },
      );
      this.#queue.push(entry);
      this.#next();
    });
  }

  /**
   * Pulls an async iterator one item per job, so other widgets' jobs can run between items (a
   * sweep gives the GPU back after every point). `gate` is awaited before each item: a widget
   * that is off screen holds its sweep there without holding the GPU. `clock` runs only while an
   * item is being pulled, so it leaves out the time held at the gate or queued.
   */
  async *iterate<T>(
    source: AsyncIterator<T>,
    options: ScheduleOptions & {
      gate?: (signal?: AbortSignal) => Promise<void>;
      clock?: JobClock;
    } = {},
  ): AsyncGenerator<T> {
    const { signal, gate, clock } = options;
    const pull = async (): Promise<IteratorResult<T>> => {
      clock?.start();
      try {
        return await source.next();
      } finally {
        clock?.stop();
      }
    };
    try {
      for (;;) {
        if (gate) await gate(signal);
        signal?.throwIfAborted();
        const step = await this.run(pull, options);
        if (step.done) return;
        yield step.value;
      }
    } finally {
      // Lets the source free what it holds (a sweep destroys its GPU buffers).
      await source.return?.(undefined);
    }
  }

  #next(): void {
    if (this.#running) return;
    const entry = this.#queue.shift();
    if (!entry) return;
    this.#running = true;
    entry.start();
  }
}

/** The outcome of a latest-wins run: its value, or that a newer run (or a stop) replaced it. */
export type LatestOutcome<T> = { status: 'done'; value: T } | { status: 'cancelled' };

/**
 * Latest wins, for one widget: starting a run cancels the previous one (queued or running), so a
 * slider dragged across ten values leaves one result, for the last value.
 */
export class LatestJob {
  #controller: AbortController | null = null;
  #scheduler: GpuScheduler;

  constructor(scheduler: GpuScheduler) {
    this.#scheduler = scheduler;
  }

  /** True while a run started here has not settled. */
  get active(): boolean {
    return this.#controller !== null;
  }

  async run<T>(job: GpuJob<T>, label?: string): Promise<LatestOutcome<T>> {
    this.cancel();
    const controller = new AbortController();
    this.#controller = controller;
    try {
      const value = await this.#scheduler.run(job, {
        signal: controller.signal,
        ...(label ? { label } : {}),
      });
      if (controller.signal.aborted) return { status: 'cancelled' };
      return { status: 'done', value };
    } catch (error) {
      if (controller.signal.aborted || isAbort(error)) return { status: 'cancelled' };
      throw error;
    } finally {
      if (this.#controller === controller) this.#controller = null;
    }
  }

  /** Cancels the run in progress, if any. */
  cancel(): void {
    this.#controller?.abort(abortError());
    this.#controller = null;
  }
}

/** The one scheduler every widget on the page shares. */
export const gpuScheduler = new GpuScheduler();
