/**
 * Which output kernel the chunked forms run, free of kernels so that the cost model (and the build
 * scripts that read it, which cannot import WGSL) decides as chunked.ts does: the whole-tile kernel,
 * linear-chunked-output-whole.wgsl, where it serves, otherwise the sliced linear-chunked-output.wgsl.
 * With the whole-tile kernel the chunked forms map features as they stage and run no feature-map
 * pass (form-costs.ts counts the pass's buffers where it runs).
 */

/** Rows per workgroup, and keys per tile, of linear-chunked-output-whole.wgsl. */
export const WHOLE_BLOCK = 64;

/** Workgroup memory in bytes of linear-chunked-output-whole.wgsl at head dimension `dim`. */
export function wholeOutputBytes(dim: number): number {
  return 16 * (32 * dim + 1024);
}

/**
 * The workgroup memory from which linear-chunked-output-whole.wgsl serves a problem, or null where
 * it never does: D <= 64 and chunks of a multiple of 64 tokens (wholeOutputBytes, 48 KiB at D = 64).
 */
export function wholeOutputNeeds(dim: number, chunkSize: number): number | null {
  return dim <= 64 && chunkSize % WHOLE_BLOCK === 0 ? wholeOutputBytes(dim) : null;
}

/**
 * Whether linear-chunked-output-whole.wgsl serves this problem on a device with
 * `workgroupStorageBytes` (wholeOutputNeeds). Otherwise the sliced kernel,
 * linear-chunked-output.wgsl, which fits WebGPU's default 16 KiB.
 */
export function usesWholeOutput(
  dim: number,
  chunkSize: number,
  workgroupStorageBytes: number,
): boolean {
  const needs = wholeOutputNeeds(dim, chunkSize);
  return needs !== null && needs <= workgroupStorageBytes;
}

/**
 * Below this many blocks of 64 query rows in all (heads x ceil(T / 64)), at c = 64, the output runs
 * as linear-chunked-output-rows.wgsl, one workgroup per 16 rows. That kernel reads workgroup memory
 * more often per multiply-add than the whole-tile one: it wins only while the GPU would otherwise
 * be mostly idle, its four workgroups per block shortening each block's chain of work. On an H200
 * (12 heads, softplus and the normaliser; docs/PERFORMANCE.md, calls O and P): 24 blocks (128
 * tokens) 17.0 -> 13.1 us; 48 blocks (256 tokens) 17.9 -> 19.0 us; from 768 blocks 1.75x slower.
 * Tuned on that one card: on a GPU with fewer compute units the break-even lies lower.
 */
export const ROWS_OUTPUT_BELOW = 32;

/** Rows per workgroup of linear-chunked-output-rows.wgsl. */
export const ROWS_BLOCK = 16;

/**
 * Whether linear-chunked-output-rows.wgsl serves this problem: where the whole-tile kernel would
 * (usesWholeOutput), at c = 64, with fewer than ROWS_OUTPUT_BELOW blocks of 64 rows in all. It needs
 * less workgroup memory than the whole-tile kernel (42 KiB at D = 64).
 */
export function usesRowsOutput(
  dim: number,
  chunkSize: number,
  workgroupStorageBytes: number,
  heads: number,
  tokens: number,
): boolean {
  return (
    chunkSize === WHOLE_BLOCK &&
    usesWholeOutput(dim, chunkSize, workgroupStorageBytes) &&
    heads * Math.ceil(tokens / WHOLE_BLOCK) < ROWS_OUTPUT_BELOW
  );
}
