/**
 * A live sweep behind a chart: streams records from a sweep generator through the page's GPU
 * scheduler (one point per job), pauses between points while the widget is off screen or the tab
 * hidden, and stops on request. Used by the chunk tuner and the generation chart.
 */
import type { BenchRecord } from '../../gpu/records.ts';
import type { SweepEvent } from '../../gpu/sweep.ts';
import { getLiveGpu, noLiveRunMessage, type LiveGpu } from './live-gpu.ts';
import { gpuScheduler, isAbort, JobClock } from './scheduler.ts';
import type { Visibility } from './visibility.ts';

export class LiveSweep {
  records = $state.raw<BenchRecord[]>([]);
  running = $state(false);
  paused = $state(false);
  progress = $state({ done: 0, total: 0 });
  message = $state<string | null>(null);
  #controller: AbortController | null = null;
  #visibility: Visibility;
  #label: string;

  constructor(visibility: Visibility, label: string) {
    this.#visibility = visibility;
    this.#label = label;
  }

  /**
   * Runs the sweep `make` returns for the page's GPU; replaces earlier records. `make` may pass
   * `budgetClock` on to the sweep, so that time paused off screen does not spend its budget.
   */
  async run(
    make: (
      live: LiveGpu,
      signal: AbortSignal,
      budgetClock: () => number,
    ) => AsyncGenerator<SweepEvent>,
    total: number,
  ): Promise<void> {
    if (this.running) return;
    const live = await getLiveGpu();
    if (!live) {
      this.message = noLiveRunMessage();
      return;
    }
    const controller = new AbortController();
    this.#controller = controller;
    this.records = [];
    this.running = true;
    this.message = null;
    this.progress = { done: 0, total };
    const clock = new JobClock();
    try {
      for await (const event of gpuScheduler.iterate(
        make(live, controller.signal, () => clock.now()),
        {
          signal: controller.signal,
          label: this.#label,
          clock,
          gate: async (signal) => {
            this.paused = !this.#visibility.active;
            await this.#visibility.whenActive(signal);
            this.paused = false;
          },
        },
      )) {
        this.records = [...this.records, event.record];
        this.progress = event.progress;
      }
      const ok = this.records.filter((r) => r.status === 'ok').length;
      this.message = `Done: ${ok} of ${this.records.length} points measured.`;
    } catch (error) {
      this.message =
        controller.signal.aborted || isAbort(error)
          ? `Stopped after ${this.progress.done} of ${this.progress.total} points.`
          : `The run failed: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.running = false;
      this.paused = false;
      if (this.#controller === controller) this.#controller = null;
    }
  }

  stop(): void {
    this.#controller?.abort(new DOMException('Stopped by the reader.', 'AbortError'));
  }
}
