/**
 * Node only: chosen chunk sizes (src/gpu/sweep/chunk-choice.ts) kept in a JSON file, so that a
 * command-line tool searches once per GPU. A missing or unreadable file is an empty cache; the
 * file is rewritten whole on every new answer.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ChunkSizeCache } from '../gpu/sweep/chunk-choice.ts';

function readEntries(path: string): Record<string, number> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const entries: Record<string, number> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (Number.isInteger(value) && (value as number) > 0) entries[key] = value as number;
    }
    return entries;
  } catch {
    return {};
  }
}

/** A cache in the JSON file at `path` ({key: chunk size}), read once and written on every set. */
export function createFileChunkCache(path: string): ChunkSizeCache {
  const entries = readEntries(path);
  return {
    get: (key) => entries[key],
    set(key, chunkSize) {
      entries[key] = chunkSize;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify(entries, null, 2)}\n`);
    },
  };
}
