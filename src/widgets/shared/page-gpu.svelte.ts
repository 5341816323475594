/**
 * The page's one GPU: acquired once, on first use, and shared by every widget on the page.
 * Widgets read `outcome` reactively; a lost device moves it to `lost` with a sentence.
 */
import { acquireGpu, type GpuOutcome, type GpuLost } from '../../gpu/device.ts';

export class PageGpu {
  /** Null until the first `acquire()` settles. */
  outcome = $state.raw<GpuOutcome | GpuLost | null>(null);
  /** Uncaptured GPU errors, newest last (shown by widgets that care). */
  errors = $state.raw<string[]>([]);
  #pending: Promise<GpuOutcome | GpuLost> | null = null;

  /** Acquires the GPU once; later calls return the same outcome. */
  acquire(): Promise<GpuOutcome | GpuLost> {
    this.#pending ??= acquireGpu({
      onLost: (lost) => {
        this.outcome = lost;
      },
      onUncapturedError: (message) => {
        this.errors = [...this.errors, message];
      },
    }).then((outcome) => {
      this.outcome = outcome;
      return outcome;
    });
    return this.#pending;
  }
}

/** The single instance every widget on a page shares. */
export const pageGpu = new PageGpu();
