import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WIDGET_DOCS } from '../../src/widgets/catalog.ts';
import { WIDGET_DOC_LIST } from '../../src/widgets/docs.ts';
import { addWidgetFallbacks } from '../../src/widgets/shared/fallback.ts';
import { adaptReference, nearestPair } from '../../src/widgets/shared/reference-dataset.ts';
import { formatDuration } from '../../src/widgets/shared/format.ts';

const data = adaptReference(JSON.parse(readFileSync('data/reference-h200.json', 'utf8')));

describe('fallback content for widget tags', () => {
  it('the plain list of docs holds exactly what the catalogue collects', () => {
    expect(WIDGET_DOC_LIST.map((d) => d.tag)).toEqual(WIDGET_DOCS.map((d) => d.tag));
  });

  it('fills every empty tag with its title and summary, and leaves filled and unknown tags alone', () => {
    const html =
      '<p>x</p><la-mask chunk-size="4"></la-mask><la-costs>mine</la-costs><la-nope></la-nope>';
    const out = addWidgetFallbacks(html, WIDGET_DOC_LIST, data);
    expect(out).toContain('<la-mask chunk-size="4"><p class="la-fallback">The mask: A T×T grid');
    expect(out).toContain('<la-costs>mine</la-costs><la-nope></la-nope>');
    expect(out).toMatch(/it needs JavaScript\.\)<\/p><\/la-mask>/);
  });

  it("gives the race the reference GPU's measured times at its context length", () => {
    expect(data).not.toBeNull();
    const out = addWidgetFallbacks('<la-race tokens="4096"></la-race>', WIDGET_DOC_LIST, data);
    const pair = nearestPair(data!.records, 4096, 'softmax-flash', 'linear-chunked')!;
    expect(out).toContain(
      `On the ${data!.machine}, at ${pair.tokens.toLocaleString('en-US')} tokens`,
    );
    expect(out).toContain(`tiled softmax attention took ${formatDuration(pair.a.medianMs!)}`);
    expect(out).toContain(`chunked linear attention ${formatDuration(pair.b.medianMs!)}`);
    // Garbage in the tag gives the default's sentence, never NaN.
    const garbage = addWidgetFallbacks('<la-race tokens="abc"></la-race>', WIDGET_DOC_LIST, data);
    expect(garbage).not.toMatch(/NaN|undefined/);
  });

  it("gives the timing chart's training view no forward-pass sentence", () => {
    const forward = addWidgetFallbacks(
      '<la-timing-chart></la-timing-chart>',
      WIDGET_DOC_LIST,
      data,
    );
    expect(forward).toContain('fp32, forward)');
    const training = addWidgetFallbacks(
      '<la-timing-chart view="training" training-scope="layer"></la-timing-chart>',
      WIDGET_DOC_LIST,
      data,
    );
    expect(training).toContain('The timing chart:');
    expect(training).not.toContain('forward)');
  });

  it('escapes what it writes', () => {
    const out = addWidgetFallbacks('<la-recurrence></la-recurrence>', WIDGET_DOC_LIST, null);
    const text = out.slice(out.indexOf('>') + 1, out.lastIndexOf('</la-recurrence>'));
    expect(text.replace(/<\/?p[^>]*>/g, '')).not.toMatch(/[<>]/);
  });
});
