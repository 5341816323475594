/** How each widget documents itself; the course-author page is generated from these entries. */

/**
 * What values an attribute accepts. The validation layer (`shared/attributes.ts`) reads this for
 * every attribute of every <la-*> element and every URL parameter of the iframe pages, so the
 * table on the course-author page and the checks cannot drift apart.
 *
 * - `integer`: a whole number in [min, max]; fractions round, values outside clamp. With
 *   `powerOfTwo`, the value snaps to the nearest power of two (in log scale) first.
 * - `number`: any finite number in [min, max]; values outside clamp.
 * - `choice`: one of a few numbers; any other number snaps to the nearest (in log scale). With
 *   `words`, those words (e.g. "auto") are accepted too, compared as `enum` compares.
 * - `enum`: one of a few words, compared without regard to case or surrounding spaces.
 * - `boolean`: present means true (HTML's rule); the values "false" and "0" mean false.
 */
export type AttributeSpec =
  | { kind: 'integer'; min: number; max: number; powerOfTwo?: boolean }
  | { kind: 'number'; min: number; max: number }
  | { kind: 'choice'; values: readonly number[]; words?: readonly string[] }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'boolean' };

export interface WidgetAttribute {
  /** The HTML attribute, e.g. "tokens". */
  name: string;
  /** e.g. "number", "'light' | 'dark'", "boolean", as the attribute table shows it. */
  type: string;
  /** The default, as written in HTML, e.g. "4096". Must itself be valid under `accepts`. */
  default: string;
  /** One line. */
  description: string;
  /** The values accepted; anything else falls back or clamps, with one console warning. */
  accepts: AttributeSpec;
}

export interface WidgetDoc {
  /** The custom-element tag, e.g. "la-race". */
  tag: string;
  title: string;
  /** One or two sentences. */
  summary: string;
  attributes: WidgetAttribute[];
  /** Whether it runs kernels on the reader's GPU. */
  usesGpu: boolean;
  /** An HTML snippet for the live example, e.g. '<la-race tokens="2048"></la-race>'. */
  example: string;
  /**
   * Pairs of attributes [lower, upper] where lower must not exceed upper (e.g. min-tokens and
   * max-tokens); when it does, the upper one is raised to the lower one, with a warning.
   */
  ordered?: readonly (readonly [string, string])[];
}
