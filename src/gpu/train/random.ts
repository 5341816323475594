/**
 * A seeded pseudo-random generator for the trainer: initial weights and MQAR batches are a pure
 * function of the seed, so a run in the page, a worker, Node and on the reference GPU starts from
 * the same numbers. SplitMix32 (Steele et al., "Fast splittable pseudorandom number generators",
 * 2014, in its 32-bit form): small, fast, and good enough for weights and task sampling.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`The seed must be an integer (got ${seed}).`);
    this.state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  integer(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal draw (Box-Muller; the first uniform is kept away from 0). */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** `count` distinct integers from [0, n), in random order (a partial Fisher-Yates shuffle). */
  distinct(count: number, n: number): number[] {
    if (count > n) throw new RangeError(`Cannot draw ${count} distinct values from ${n}.`);
    const pool = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < count; i++) {
      const j = i + this.integer(n - i);
      const t = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = t;
    }
    return pool.slice(0, count);
  }
}
