/**
 * The figure lifecycle of Distill's template: a widget becomes "ready" (may start GPU work) when it
 * comes within about two viewports of the screen, and is "onscreen" while any part of it is
 * visible. It counts as active while onscreen and the tab is not hidden; GPU work waits otherwise.
 */

export interface VisibilityCallbacks {
  /** Once, when the element first comes within `readyMargin` of the viewport. */
  onReady?: () => void;
  /** Whenever active (onscreen and the tab visible) changes. */
  onActiveChange?: (active: boolean) => void;
}

export interface VisibilityOptions {
  /** How far outside the viewport counts as near; default "200% 0px" (two viewports). */
  readyMargin?: string;
}

/** Watches an element; `whenActive` lets GPU work wait until it is on screen again. */
export class Visibility {
  ready = false;
  onscreen = false;
  hidden = false;
  #callbacks: VisibilityCallbacks;
  #waiters: (() => void)[] = [];
  #cleanup: (() => void)[] = [];

  constructor(callbacks: VisibilityCallbacks = {}) {
    this.#callbacks = callbacks;
  }

  get active(): boolean {
    return this.onscreen && !this.hidden;
  }

  /** Starts watching; returns the function that stops (fits Svelte's `{@attach}`). */
  observe(element: Element, options: VisibilityOptions = {}): () => void {
    const doc = element.ownerDocument;
    this.hidden = doc.hidden;
    if (typeof IntersectionObserver === 'undefined') {
      // No observer (old browsers, tests in Node): treat the element as always visible.
      this.#setReady();
      this.#setOnscreen(true);
    } else {
      const near = new IntersectionObserver(
        (entries) => {
          if (entries.some((e) => e.isIntersecting)) {
            this.#setReady();
            near.disconnect();
          }
        },
        { rootMargin: options.readyMargin ?? '200% 0px' },
      );
      const seen = new IntersectionObserver((entries) => {
        const last = entries[entries.length - 1];
        if (last) this.#setOnscreen(last.isIntersecting);
      });
      near.observe(element);
      seen.observe(element);
      this.#cleanup.push(
        () => near.disconnect(),
        () => seen.disconnect(),
      );
    }
    const onVisibility = (): void => {
      const was = this.active;
      this.hidden = doc.hidden;
      this.#changed(was);
    };
    doc.addEventListener('visibilitychange', onVisibility);
    this.#cleanup.push(() => doc.removeEventListener('visibilitychange', onVisibility));
    return () => this.disconnect();
  }

  disconnect(): void {
    for (const stop of this.#cleanup.splice(0)) stop();
  }

  /** Resolves at once when active, else when the element is next on screen in a visible tab. */
  whenActive(signal?: AbortSignal): Promise<void> {
    if (this.active) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        reject(signal?.reason);
      };
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(done);
    });
  }

  #setReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.#callbacks.onReady?.();
  }

  #setOnscreen(onscreen: boolean): void {
    const was = this.active;
    this.onscreen = onscreen;
    this.#changed(was);
  }

  #changed(was: boolean): void {
    const now = this.active;
    if (now === was) return;
    this.#callbacks.onActiveChange?.(now);
    if (now) for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
