/**
 * The benchmark CLI with recurrent-kernel variants put in the place of forms that compute the same
 * function, so that one process times several variants interleaved (the CLI visits its forms in
 * turn, round after round): `RECURRENT_SLOTS=linear-recurrent=staged,linear-attention=split
 * node recurrent-variants.mjs --forms linear-recurrent,linear-attention --rounds 3 ...` (every
 * argument as in cli.ts). A slot's records keep the form's name; the slot list, printed to stderr
 * first, says which variant each name ran. Only forms of the same function may hold a variant:
 * linear-attention, linear-chunked and linear-recurrent (ungated), gated-chunked and
 * gated-recurrent (gated). --verify and --cross-check then check each variant as that form.
 * Bundled by vite.recurrent.config.ts into `.gpu/recurrent/recurrent-variants.mjs`. Variants:
 *   staged          linear-recurrent.wgsl (16 rows of a column per thread, tokens staged)
 *   lanes           linear-recurrent-lanes.wgsl with 16 lanes per column (subgroup sums)
 *   split           linear-recurrent-split.wgsl with planSplitTiles
 *   split-rpN       split with N threads per column (D / N rows each)
 *   split-tbN       split with N tokens per block
 *   split-cbN       split with N columns per workgroup
 *   split-1b        split with one barrier per block (shares double-buffered)
 *   (suffixes combine: split-rp8-tb32-1b)
 */
import { FORM_FACTORIES } from '../gpu/forms/index.ts';
import {
  createLinearRecurrentWith,
  planSplitTiles,
  type LinearRecurrentTuning,
} from '../gpu/forms/linear/recurrent.ts';
import type { FormFactory } from '../gpu/forms/form.ts';
import type { AttentionForm } from '../gpu/forms/registry.ts';

const UNGATED: readonly AttentionForm[] = [
  'linear-attention',
  'linear-chunked',
  'linear-recurrent',
];
const GATED: readonly AttentionForm[] = ['gated-chunked', 'gated-recurrent'];

/** The factory of one variant name (throws on an unknown one). */
function variantFactory(variant: string, gated: boolean): FormFactory {
  if (variant === 'staged' || variant === 'lanes') {
    return createLinearRecurrentWith(variant === 'lanes' ? { lanes: 16 } : {}, gated);
  }
  const parts = variant.split('-');
  if (parts[0] !== 'split') throw new Error(`unknown recurrent variant ${variant}`);
  return (ctx) => {
    const planned = planSplitTiles(
      ctx.shape.dim,
      ctx.options.normalize,
      Math.min(256, ctx.device.limits.maxComputeInvocationsPerWorkgroup),
    );
    const tiles = { ...planned };
    for (const part of parts.slice(1)) {
      if (part === '1b') {
        tiles.oneBarrier = true;
        continue;
      }
      const m = /^(rp|tb|cb)(\d+)$/.exec(part);
      if (!m) throw new Error(`unknown recurrent variant ${variant}`);
      const n = Number(m[2]);
      if (m[1] === 'rp') tiles.rowParts = n;
      else if (m[1] === 'tb') tiles.blockTokens = n;
      else tiles.columns = n;
    }
    // A smaller row split than planned leaves room for more columns per workgroup.
    if (!parts.some((p) => p.startsWith('cb'))) {
      const z = ctx.options.normalize ? 1 : 0;
      const most = Math.min(256, ctx.device.limits.maxComputeInvocationsPerWorkgroup);
      tiles.columns = ctx.shape.dim;
      while (tiles.columns > 1 && (tiles.columns + z) * tiles.rowParts > most) tiles.columns /= 2;
    }
    const tuning: LinearRecurrentTuning = { kernel: 'split', split: tiles };
    return createLinearRecurrentWith(tuning, gated)(ctx);
  };
}

const slots = (process.env.RECURRENT_SLOTS ?? 'linear-recurrent=split').split(',').filter(Boolean);
for (const slot of slots) {
  const [form, variant] = slot.split('=') as [AttentionForm, string | undefined];
  const gated = GATED.includes(form);
  if (!variant || (!gated && !UNGATED.includes(form))) {
    throw new Error(`RECURRENT_SLOTS: "${slot}" is not form=variant for a linear or gated form`);
  }
  FORM_FACTORIES[form] = variantFactory(variant, gated);
  process.stderr.write(`recurrent slot ${form} = ${variant}\n`);
}

// The CLI itself (it runs on import; forms are created only after the GPU is acquired).
await import('./cli.ts');
