/** How each widget documents itself; the course-author page is generated from these entries. */
export interface WidgetAttribute {
  /** The HTML attribute, e.g. "tokens". */
  name: string;
  /** e.g. "number", "'light' | 'dark'", "boolean". */
  type: string;
  /** The default, as written in HTML, e.g. "4096". */
  default: string;
  /** One line. */
  description: string;
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
}
