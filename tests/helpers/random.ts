/** Random draws the tests share (every check draws fresh inputs). */

/** One of `values`, uniformly at random. */
export const pick = <T>(values: readonly T[]): T =>
  values[Math.floor(Math.random() * values.length)]!;
