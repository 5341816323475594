/** What the mask widget knows: the form, the grid size, the block size and a cursor cell. */
import { ATTENTION_FORMS, type AttentionForm } from '../../gpu/types.ts';
import {
  countCells,
  describeCell,
  handOffs,
  MASK_BLOCK_SIZES,
  usesBlocks,
  type CellCounts,
} from './mask-model.ts';

export interface MaskOptions {
  form?: AttentionForm;
  tokens?: number;
  blockSize?: number;
}

export class MaskState {
  form = $state<AttentionForm>('linear-chunked');
  tokens = $state(32);
  blockIndex = $state(2);
  /** The cell the reader points at or moves to with the arrow keys (0-based), or null. */
  cursor = $state<{ i: number; j: number } | null>(null);

  readonly blockSize: number = $derived(MASK_BLOCK_SIZES[this.blockIndex] ?? 8);
  readonly counts: CellCounts = $derived(countCells(this.form, this.tokens, this.blockSize));
  readonly handOffs: number[] = $derived(handOffs(this.form, this.tokens, this.blockSize));
  readonly blocky = $derived(usesBlocks(this.form));
  readonly cursorText = $derived(
    this.cursor ? describeCell(this.form, this.cursor.i, this.cursor.j, this.blockSize) : '',
  );

  constructor(options: MaskOptions = {}) {
    this.configure(options);
  }

  configure({ form, tokens, blockSize }: MaskOptions): void {
    if (form && (ATTENTION_FORMS as readonly string[]).includes(form)) this.form = form;
    if (tokens !== undefined && Number.isFinite(tokens)) {
      this.tokens = Math.min(64, Math.max(4, Math.round(tokens)));
    }
    if (blockSize !== undefined) this.setBlockSize(blockSize);
  }

  setBlockSize(size: number): void {
    let best = 0;
    MASK_BLOCK_SIZES.forEach((b, i) => {
      const bestSize = MASK_BLOCK_SIZES[best] ?? b;
      if (Math.abs(Math.log2(b / size)) < Math.abs(Math.log2(bestSize / size))) best = i;
    });
    this.blockIndex = best;
  }

  /** Moves the cursor by (di, dj), starting at the top-left cell, clamped to the grid. */
  moveCursor(di: number, dj: number): void {
    const { i, j } = this.cursor ?? { i: 0, j: 0 };
    const clamp = (x: number) => Math.min(this.tokens - 1, Math.max(0, x));
    this.cursor = this.cursor ? { i: clamp(i + di), j: clamp(j + dj) } : { i: 0, j: 0 };
  }
}
