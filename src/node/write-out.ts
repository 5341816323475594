import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes text to path, making its folder first (the bench's JSON and CSV outputs). */
export async function writeOut(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}
