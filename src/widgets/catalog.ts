/**
 * Every widget's documentation, collected from `src/widgets/<name>/doc.ts` at build time. Each
 * doc.ts exports a `WidgetDoc` (under any name); the course-author page and its tests read this list.
 */
import type { WidgetDoc } from './catalog-types.ts';

const modules = import.meta.glob<Record<string, unknown>>('./*/doc.ts', { eager: true });

/** Whether a value has the shape of a WidgetDoc (a doc.ts may export helpers too). */
export function isWidgetDoc(value: unknown): value is WidgetDoc {
  if (typeof value !== 'object' || value === null) return false;
  const doc = value as Partial<WidgetDoc>;
  return (
    typeof doc.tag === 'string' &&
    doc.tag.startsWith('la-') &&
    typeof doc.title === 'string' &&
    typeof doc.example === 'string' &&
    Array.isArray(doc.attributes)
  );
}

/** Collects the docs from modules' exports, one per tag, sorted by tag. */
export function collectDocs(exportsByModule: Record<string, unknown>[]): WidgetDoc[] {
  const byTag = new Map<string, WidgetDoc>();
  for (const exports of exportsByModule) {
    for (const value of Object.values(exports)) {
      if (isWidgetDoc(value)) byTag.set(value.tag, value);
    }
  }
  return [...byTag.values()].sort((a, b) => a.tag.localeCompare(b.tag));
}

/** All widgets, sorted by tag. */
export const WIDGET_DOCS: readonly WidgetDoc[] = collectDocs(Object.values(modules));
