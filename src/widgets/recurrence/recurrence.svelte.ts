/**
 * What the recurrence widget knows: the example, the current token, and whether it is playing.
 * Both forms are computed here, independently (runRecurrence never looks at attentionRow), so the
 * view can only show what the arithmetic gives.
 */
import {
  attentionRow,
  createExample,
  formatEntry,
  maxAbsDifference,
  runRecurrence,
  type AttentionRow,
  type RecurrenceExample,
  type RecurrentStep,
} from './recurrence-math.ts';

/** Decimals of the outputs y_t: one-decimal inputs give at most three, so both show exactly. */
export const OUTPUT_DIGITS = 3;

export interface RecurrenceOptions {
  tokens?: number;
  dim?: number;
  seed?: number;
  /** Milliseconds per token while playing. */
  interval?: number;
  /** The state's decay per token, 0 to 1; 1 (the default) is plain linear attention. */
  decay?: number;
}

/** Both forms for one token, and whether they agree. */
export interface TokenComparison {
  /** 1-based token index. */
  t: number;
  recurrent: number[];
  attention: number[];
  difference: number;
  /** The displayed (rounded) strings are identical and the numbers agree to 1e-9. */
  equal: boolean;
}

export class RecurrenceState {
  seed = $state(1);
  tokens = $state(8);
  dim = $state(4);
  /** The current token, 1-based (1..tokens). */
  position = $state(1);
  playing = $state(false);
  interval = $state(1200);
  /** a in S_t = a S_{t-1} + v_t k_t^T: 1 is plain linear attention, below 1 the state forgets. */
  decay = $state(1);

  readonly example: RecurrenceExample = $derived(createExample(this.seed, this.tokens, this.dim));
  readonly steps: RecurrentStep[] = $derived(runRecurrence(this.example, this.decay));
  readonly rows: AttentionRow[] = $derived(
    this.example.steps.map((_, t) => attentionRow(this.example, t, this.decay)),
  );
  readonly comparisons: TokenComparison[] = $derived(
    this.steps.map((step, i) => {
      const attention = this.rows[i]?.output ?? [];
      const difference = maxAbsDifference(step.output, attention);
      const shown = (xs: number[]) => xs.map((x) => formatEntry(x, OUTPUT_DIGITS)).join(' ');
      return {
        t: i + 1,
        recurrent: step.output,
        attention,
        difference,
        equal: difference < 1e-9 && shown(step.output) === shown(attention),
      };
    }),
  );
  readonly current: RecurrentStep | undefined = $derived(this.steps[this.position - 1]);
  readonly currentRow: AttentionRow | undefined = $derived(this.rows[this.position - 1]);
  readonly currentComparison: TokenComparison | undefined = $derived(
    this.comparisons[this.position - 1],
  );
  readonly atStart = $derived(this.position <= 1);
  readonly atEnd = $derived(this.position >= this.tokens);

  #timer: ReturnType<typeof setInterval> | null = null;
  #nextSeed: () => number;

  constructor(options: RecurrenceOptions = {}) {
    this.tokens = clampInteger(options.tokens ?? 8, 2, 16);
    this.dim = clampInteger(options.dim ?? 4, 2, 6);
    this.seed = options.seed ?? 1;
    this.interval = options.interval ?? 1200;
    this.setDecay(options.decay ?? 1);
    let counter = this.seed;
    // "New numbers" walks through seeds deterministically, so a reload reproduces a sequence.
    this.#nextSeed = () => (counter = (Math.imul(counter, 1103515245) + 12345) >>> 0);
  }

  /** Sets the decay, clamped to 0..1 (a non-number leaves it as it is). */
  setDecay(a: number): void {
    if (Number.isFinite(a)) this.decay = Math.min(1, Math.max(0, a));
  }

  /** Moves to token t (clamped to 1..tokens). */
  goTo(t: number): void {
    this.position = clampInteger(t, 1, this.tokens);
  }

  stepForward(): void {
    this.pause();
    this.goTo(this.position + 1);
  }

  stepBack(): void {
    this.pause();
    this.goTo(this.position - 1);
  }

  reset(): void {
    this.pause();
    this.position = 1;
  }

  play(): void {
    if (this.playing) return;
    if (this.atEnd) this.position = 1;
    this.playing = true;
    this.#timer = setInterval(() => {
      if (this.position >= this.tokens) this.pause();
      else this.position += 1;
      if (this.position >= this.tokens) this.pause();
    }, this.interval);
  }

  pause(): void {
    this.playing = false;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  togglePlay(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  /** Draws a fresh example and starts again at the first token. */
  newNumbers(): void {
    this.seed = this.#nextSeed();
    this.reset();
  }

  destroy(): void {
    this.pause();
  }
}

function clampInteger(x: number, low: number, high: number): number {
  const n = Number.isFinite(x) ? Math.round(x) : low;
  return Math.min(high, Math.max(low, n));
}
