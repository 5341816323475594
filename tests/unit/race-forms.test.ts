import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/gpu/costs.ts';
import { CHARTED_FORMS, formSpec, isSoftmaxForm } from '../../src/gpu/forms/registry.ts';
import { parseAttribute } from '../../src/widgets/shared/attributes.ts';
import { raceDoc, RACE_FORM_CHOICES } from '../../src/widgets/race/doc.ts';
import {
  compareSentence,
  DEFAULT_RACE_FORMS,
  flopRatio,
  flopSentence,
  linearName,
  maxTokensFor,
  planNextLength,
  predictStepMs,
  RACE_BUDGET_MS,
  RACE_LINEAR_FORMS,
  RACE_SOFTMAX_FORMS,
  raceBarLabel,
  raceForms,
  referenceComparison,
  referencePoint,
  softmaxName,
  type RaceShape,
} from '../../src/widgets/race/race-math.ts';
import { benchRecord } from '../helpers/records.ts';

const gatedShape: RaceShape = {
  heads: 12,
  dim: 64,
  chunkSize: 64,
  forms: { softmax: 'softmax-flash', linear: 'gated-chunked' },
};

const rec = (form: string, tokens: number, ms: number) => benchRecord(form, tokens, ms);

describe("the race's form choice", () => {
  it('offers the charted softmax forms and every charted chunked form of the other families, from the registry', () => {
    expect(RACE_SOFTMAX_FORMS).toEqual(CHARTED_FORMS.filter(isSoftmaxForm));
    expect(RACE_LINEAR_FORMS).toEqual(
      CHARTED_FORMS.filter((f) => !isSoftmaxForm(f) && formSpec(f).schedule === 'chunked'),
    );
    expect(RACE_LINEAR_FORMS).not.toContain('linear-chunked-f16');
    expect(RACE_LINEAR_FORMS).toContain('gated-chunked');
    expect(RACE_LINEAR_FORMS).toContain('linear-chunked');
    expect(RACE_SOFTMAX_FORMS).toContain(DEFAULT_RACE_FORMS.softmax);
    expect(RACE_LINEAR_FORMS).toContain(DEFAULT_RACE_FORMS.linear);
  });

  it("documents exactly the registry's choices, with the defaults the race starts from", () => {
    expect(RACE_FORM_CHOICES.softmax).toEqual(RACE_SOFTMAX_FORMS);
    expect(RACE_FORM_CHOICES.linear).toEqual(RACE_LINEAR_FORMS);
    const attribute = (name: string) => raceDoc.attributes.find((a) => a.name === name)!;
    expect(attribute('softmax-form').default).toBe(DEFAULT_RACE_FORMS.softmax);
    expect(attribute('linear-form').default).toBe(DEFAULT_RACE_FORMS.linear);
  });

  it('turns a bad form attribute into one sentence and the default, a good one into itself', () => {
    const linear = raceDoc.attributes.find((a) => a.name === 'linear-form')!;
    expect(parseAttribute(linear, 'gated-chunked')).toEqual({
      value: 'gated-chunked',
      correction: null,
    });
    const bad = parseAttribute(linear, 'softmax-flash');
    expect(bad.value).toBe('linear-chunked');
    expect(bad.correction?.message).toBe(
      'linear-form="softmax-flash" is not one of linear-chunked, gated-chunked; using the default, linear-chunked.',
    );
    const softmax = raceDoc.attributes.find((a) => a.name === 'softmax-form')!;
    expect(parseAttribute(softmax, '<script>').value).toBe('softmax-flash');
  });

  it('names the forms in sentences and bar labels', () => {
    expect(softmaxName('softmax-flash')).toBe('our tiled softmax');
    expect(softmaxName('softmax-naive')).toBe('our naive softmax');
    expect(linearName('linear-chunked')).toBe('linear');
    expect(linearName('gated-chunked')).toBe('gated linear');
    expect(raceBarLabel('softmax-flash')).toBe('Softmax, tiled (ours)');
    expect(raceBarLabel('softmax-naive')).toBe('Softmax, naive (ours)');
    expect(raceBarLabel('linear-chunked')).toBe('Linear, chunked (ours)');
    expect(raceBarLabel('gated-chunked')).toBe('Gated linear, chunked (ours)');
    expect(compareSentence(10, 2, 'our naive softmax', 'gated linear')).toBe(
      'gated linear is 5.0x faster than our naive softmax',
    );
    expect(compareSentence(1, 3, 'our tiled softmax', 'gated linear')).toBe(
      'our tiled softmax is 3.0x faster than gated linear',
    );
  });

  it('plans and predicts with the chosen forms, not the default pair', () => {
    expect(raceForms(gatedShape)).toEqual(['softmax-flash', 'gated-chunked']);
    // Observations of the default pair say nothing about the gated one: the pilot comes first.
    const ungated = {
      'softmax-flash': { tokens: 128, ms: 1 },
      'linear-chunked': { tokens: 128, ms: 1 },
    };
    expect(predictStepMs(gatedShape, ungated, 1024)).toBeNull();
    const base = { target: 4096, measured: 128, spentMs: 50, budgetMs: RACE_BUDGET_MS };
    expect(planNextLength({ ...base, shape: gatedShape, seen: ungated })).toEqual({
      tokens: 128,
      heads: 1,
    });
    const gated = {
      'softmax-flash': { tokens: 128, ms: 0.01 },
      'gated-chunked': { tokens: 128, ms: 0.01 },
    };
    expect(predictStepMs(gatedShape, gated, 128)).not.toBeNull();
    expect(planNextLength({ ...base, shape: gatedShape, seen: gated })).toEqual({
      tokens: 4096,
      heads: 12,
    });
  });

  it('counts FLOPs and capacity with the chosen forms', () => {
    const shape = { heads: 12, tokens: 8192, dim: 64 };
    const gated = flopRatio(shape, 64, gatedShape.forms);
    expect(gated).toBeCloseTo(
      estimateCost('softmax-flash', shape).flops /
        estimateCost('gated-chunked', shape, { chunkSize: 64 }).flops,
      9,
    );
    // The decays cost a little more than the ungated form, never less.
    expect(gated).toBeLessThan(flopRatio(shape, 64));
    expect(flopSentence(gated, 'gated linear')).toMatch(
      /^the FLOP counts predict gated linear \d+\.\dx faster$/,
    );
    // The naive form's T x T scores cap the slider far below the tiled form's limit.
    const limits = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30 };
    const naive = {
      heads: 12,
      dim: 64,
      chunkSize: 64,
      forms: { ...DEFAULT_RACE_FORMS, softmax: 'softmax-naive' as const },
    };
    expect(maxTokensFor(limits, naive, 131072)).toBeLessThan(
      maxTokensFor(limits, { heads: 12, dim: 64, chunkSize: 64 }, 131072),
    );
  });

  it("reads the reference GPU's records of the chosen forms", () => {
    const records = [
      rec('softmax-flash', 4096, 1.6),
      rec('linear-chunked', 4096, 0.16),
      rec('gated-chunked', 4096, 0.2),
      rec('softmax-naive', 1024, 0.5),
      rec('gated-chunked', 1024, 0.1),
    ];
    const torch = [{ form: 'softmax-sdpa', tokens: 4096, heads: 12, dim: 64, ms: 0.8 }];
    const p = referencePoint(records, torch, 4096, gatedShape.forms)!;
    expect(p.linear.form).toBe('gated-chunked');
    expect(referenceComparison(p)).toBe(
      "gated linear is 8.0x faster than our tiled softmax and 4.0x faster than PyTorch's fused fp32 attention (no tensor cores)",
    );
    // The naive form was measured only at 1,024 tokens here: the nearest length where both were.
    const naive = referencePoint(records, torch, 4096, {
      softmax: 'softmax-naive',
      linear: 'gated-chunked',
    })!;
    expect(naive.tokens).toBe(1024);
    expect(referenceComparison(naive)).toBe(
      "gated linear is 5.0x faster than our naive softmax (PyTorch's fused fp32 attention was not measured at 1,024 tokens)",
    );
  });
});

describe('the race state without a GPU, with another form chosen', () => {
  it('takes forms from configure and setForms, ignores forms it does not offer, and the verdict follows', async () => {
    const { RaceState } = await import('../../src/widgets/race/race-state.svelte.ts');
    const race = new RaceState();
    race.configure({ tokens: 4096 });
    expect(race.forms).toEqual(DEFAULT_RACE_FORMS);
    expect(race.verdict?.text).toMatch(/: linear is [\d.]+x faster than our tiled softmax/);
    race.configure({ linearForm: 'gated-chunked' });
    expect(race.forms).toEqual({ softmax: 'softmax-flash', linear: 'gated-chunked' });
    expect(race.verdict?.text).toMatch(/: gated linear is [\d.]+x faster than our tiled softmax/);
    expect(race.flop).toMatch(/gated linear/);
    // Not offered: ignored, the choice stays.
    race.configure({ linearForm: 'linear-recurrent', softmaxForm: 'gated-chunked' });
    expect(race.forms).toEqual({ softmax: 'softmax-flash', linear: 'gated-chunked' });
    race.setForms({ softmax: 'softmax-naive' });
    expect(race.forms.softmax).toBe('softmax-naive');
    expect(race.verdict?.text).toMatch(/our naive softmax/);
  });

  it('takes the chunk size as "auto" (the default) or a number; a number is the shape raced at once, NaN is ignored', async () => {
    const { RaceState } = await import('../../src/widgets/race/race-state.svelte.ts');
    const race = new RaceState();
    expect(race.chunkSetting).toBe('auto');
    expect(race.chunkSize).toBe(64);
    race.configure({ chunkSize: 128 });
    expect([race.chunkSetting, race.chunkSize, race.shape.chunkSize]).toEqual([128, 128, 128]);
    race.configure({ chunkSize: Number.NaN });
    expect(race.chunkSetting).toBe(128);
    race.configure({ chunkSize: 'auto' });
    // The size for this GPU is found at the next live run; until then the last one stands.
    expect([race.chunkSetting, race.chunkSize]).toEqual(['auto', 128]);
    // No live run, so nothing to say about a chunk size.
    expect(race.chunkLine).toBeNull();
  });
});

describe("the race's fallback text", () => {
  it("quotes the reference GPU's records of the forms its attributes choose", async () => {
    const { addWidgetFallbacks } = await import('../../src/widgets/shared/fallback.ts');
    const { WIDGET_DOC_LIST } = await import('../../src/widgets/docs.ts');
    const { referenceData } = await import('../../src/widgets/shared/reference-data.ts');
    expect(referenceData?.placeholder).toBe(false);
    if (!referenceData) return;
    const gated = referenceData.records.find(
      (r) => r.form === 'gated-chunked' && r.tokens === 4096 && r.status === 'ok',
    );
    expect(gated).toBeDefined();
    const out = addWidgetFallbacks(
      '<la-race tokens="4096" linear-form="gated-chunked"></la-race>',
      WIDGET_DOC_LIST,
      referenceData,
    );
    expect(out).toContain('at 4,096 tokens');
    expect(out).toContain('the form softmax-flash took');
    expect(out).toMatch(/ and gated-chunked [\d.]+ (ms|µs)\./);
  });
});
