import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenData, resolveDataTokens } from '../../site/build/data-tokens.ts';
import { formatSpeedup, formatTime, formatTimeRange } from '../../src/widgets/shared/format.ts';
import { PostBuildError, renderPost } from '../../site/build/render-post.ts';

const root = resolve(import.meta.dirname, '../..');
const fixtures = resolve(root, 'tests/fixtures');

/** A small dataset in the committed format: two forms at two lengths, three rounds each. */
function fixtureDataset(chunkedAt4096: number[]) {
  const rec = (form: string, tokens: number, roundsMs: number[]) => {
    const sorted = [...roundsMs].sort((a, b) => a - b);
    return {
      task: 'forward',
      form,
      featureMap: form.startsWith('linear') ? 'softplus' : null,
      normalize: form.startsWith('linear') ? true : null,
      heads: 12,
      tokens,
      dim: 64,
      chunkSize: form === 'linear-chunked' ? 64 : null,
      medianMs: sorted[1],
      p25Ms: sorted[1],
      p75Ms: sorted[1],
      iqrMs: 0,
      samples: 15,
      repetitions: 1,
      gflops: 1000,
      clock: 'gpu-timestamp',
      clockResolutionMs: 0.0655,
      adapter: { vendor: 'nvidia', architecture: '', description: 'x', isFallbackAdapter: false },
      runtime: 'node',
      date: '2026-12-01T00:00:00Z',
      status: 'ok',
      reason: null,
      rounds: 3,
      roundsMs,
      spread: {
        minMs: sorted[0],
        p25Ms: (sorted[0]! + sorted[1]!) / 2,
        p75Ms: (sorted[1]! + sorted[2]!) / 2,
        maxMs: sorted[2],
      },
    };
  };
  return {
    adapter: { name: 'NVIDIA H200', description: 'NVIDIA H200' },
    rounds: 3,
    records: [
      rec('softmax-flash', 1024, [0.2, 0.1, 0.15]),
      rec('linear-chunked', 1024, [0.3, 0.2, 0.25]),
      rec('softmax-flash', 4096, [2, 2.2, 2.1]),
      rec('linear-chunked', 4096, chunkedAt4096),
    ],
    torch: [{ impl: 'torch', form: 'softmax-sdpa', tokens: 4096, heads: 12, dim: 64, ms: 1.2 }],
  };
}

function writeData(dataset: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'data-tokens-'));
  writeFileSync(join(dir, 'reference-h200.json'), JSON.stringify(dataset));
  return dir;
}

describe('numbers from data', () => {
  it('formats times, ranges and ratios with their units', () => {
    expect(formatTime(0.0721)).toBe('72.1 µs');
    expect(formatTime(3.5389)).toBe('3.54 ms');
    expect(formatTime(1680)).toBe('1.68 s');
    expect(formatTimeRange(3.47, 3.54)).toBe('3.47–3.54 ms');
    expect(formatTimeRange(0.812, 1.02)).toBe('812 µs–1.02 ms');
    expect(formatSpeedup(2.94)).toBe('2.9×');
    expect(formatSpeedup(117.4)).toBe('117×');
  });

  it('renders time, spread, ratio, rounds and crossover from a fixture dataset', () => {
    const data = loadTokenData(writeData(fixtureDataset([0.5, 0.4, 0.45])));
    const { text, problems } = resolveDataTokens(
      'chunked {{time linear-chunked 4096}} ({{spread linear-chunked 4096}}, ' +
        '{{rounds linear-chunked 4096}} rounds), {{ratio softmax-flash linear-chunked 4096}} ' +
        'faster, {{ratio torch.softmax-sdpa linear-chunked 4096}} against PyTorch; ' +
        'crossover {{crossover softmax-flash linear-chunked}}',
      data,
    );
    expect(problems).toEqual([]);
    expect(text).toBe(
      'chunked 450 µs (400–500 µs, 3 rounds), 4.7× faster, 2.7× against PyTorch; ' +
        'crossover between 1,024 and 4,096 tokens',
    );
  });

  it('compares two series in words that follow the data, either way round', () => {
    const data = loadTokenData(writeData(fixtureDataset([0.5, 0.4, 0.45])));
    const { text, problems } = resolveDataTokens(
      '{{compare linear-chunked softmax-flash 4096}} / {{compare softmax-flash linear-chunked 4096}}',
      data,
    );
    expect(problems).toEqual([]);
    expect(text).toBe('4.7× faster than / 4.7× slower than');
  });

  it('reads a native time launched call by call and the SDPA kernel the dataset records', () => {
    const base = fixtureDataset([0.5, 0.4, 0.45]);
    const sdpa = { ...base.torch[0]!, ms: 0.012, callMs: 0.0481 };
    const dataset = {
      ...base,
      torch: [sdpa, { ...sdpa, form: 'linear-chunked-norm', ms: 0.3 }],
      torchInfo: {
        torch: '2.11.0',
        sdpaDefault: { fp32: 'efficient_attention', bf16: 'cudnn_attention' },
        sdpaBackends: { fp32: ['efficient_attention', 'math'] },
      },
    };
    const data = loadTokenData(writeData(dataset));
    const { text, problems } = resolveDataTokens(
      '{{time torch.softmax-sdpa 4096}} on the GPU, {{call-time torch.softmax-sdpa 4096}} from ' +
        'Python; bf16: {{sdpa-default bf16}}, fp32: {{sdpa-default fp32}} ({{sdpa-fp32-kernel}})',
      data,
    );
    expect(problems).toEqual([]);
    expect(text).toBe(
      "12.0 µs on the GPU, 48.1 µs from Python; bf16: cuDNN's fused attention, " +
        'fp32: memory-efficient attention (memory-efficient attention)',
    );
    // A row without callMs and a file without sdpaDefault fail, naming what is missing.
    const bare = loadTokenData(writeData(base));
    const missing = resolveDataTokens(
      '{{call-time torch.softmax-sdpa 4096}} {{sdpa-default bf16}}',
      bare,
    );
    expect(missing.problems).toEqual([
      'data token {{call-time torch.softmax-sdpa 4096}} on line 1: "torch.softmax-sdpa" at 4096 tokens has no time launched call by call (callMs)',
      "data token {{sdpa-default bf16}} on line 1: the dataset does not record SDPA's bf16 kernel",
    ]);
  });

  it('names the commit whose kernels the dataset measured, and fails the build where it names none', async () => {
    const sha = Math.floor(Math.random() * 2 ** 28)
      .toString(16)
      .padStart(7, '0');
    const named = loadTokenData(writeData({ ...fixtureDataset([0.5, 0.4, 0.45]), commit: sha }));
    expect(resolveDataTokens('kernels as of commit {{dataset-commit}}', named)).toEqual({
      text: `kernels as of commit ${sha}`,
      problems: [],
    });
    const source =
      '---\ntitle: T\nauthors: [A]\ndate: 2026-12-01\ndescription: D\n---\n\n' +
      'Kernels as of commit {{dataset-commit}}.\n';
    for (const commit of [undefined, 'not a sha']) {
      const error = await renderPost(source, {
        file: resolve(fixtures, 'posts', 'numbers.md'),
        kernelsDir: resolve(fixtures, 'kernels'),
        macrosFile: null,
        dataDir: writeData({ ...fixtureDataset([0.5, 0.4, 0.45]), commit }),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PostBuildError);
      expect((error as PostBuildError).problems).toEqual([
        'data token {{dataset-commit}} on line 8: the reference dataset names no commit ' +
          '(make it with make-reference-data.mjs --commit SHA)',
      ]);
    }
  });

  it('says the spread across rounds as a range, or as one time when every round prints alike', () => {
    const data = loadTokenData(writeData(fixtureDataset([0.5, 0.4, 0.45])));
    const apart = resolveDataTokens('({{across-rounds linear-chunked 4096}})', data);
    expect(apart).toEqual({ text: '(400–500 µs across rounds)', problems: [] });
    // 1.3301 and 1.3349 ms both print as 1.33 ms: "1.33–1.33 ms" would say nothing.
    const alike = loadTokenData(writeData(fixtureDataset([1.3349, 1.3301, 1.332])));
    expect(resolveDataTokens('({{across-rounds linear-chunked 4096}})', alike)).toEqual({
      text: '(every round 1.33 ms)',
      problems: [],
    });
    expect(resolveDataTokens('{{spread linear-chunked 4096}}', alike).text).toBe('1.33–1.33 ms');
  });

  it('changes the rendered article when a value in the dataset changes', async () => {
    const source = [
      '---',
      'title: T',
      'authors: [A]',
      'date: 2026-12-01',
      'description: D',
      '---',
      '',
      'Chunked takes {{time linear-chunked 4096}} at 4,096 tokens.',
      '',
    ].join('\n');
    const render = (dataDir: string) =>
      renderPost(source, {
        file: resolve(fixtures, 'posts', 'numbers.md'),
        kernelsDir: resolve(fixtures, 'kernels'),
        macrosFile: null,
        dataDir,
      });
    const before = await render(writeData(fixtureDataset([0.5, 0.4, 0.45])));
    expect(before.html).toContain('Chunked takes 450 µs at 4,096 tokens.');
    const after = await render(writeData(fixtureDataset([0.5, 0.4, 0.61])));
    expect(after.html).toContain('Chunked takes 500 µs at 4,096 tokens.');
  });

  it('fails the build, naming the token, when a value is missing', async () => {
    const dir = writeData(fixtureDataset([0.5, 0.4, 0.45]));
    const source =
      '---\ntitle: T\nauthors: [A]\ndate: 2026-12-01\ndescription: D\n---\n\n' +
      'Softmax at 65,536: {{time softmax-flash 65536}}; {{frobnicate 3}}.\n';
    const error = await renderPost(source, {
      file: resolve(fixtures, 'posts', 'numbers.md'),
      kernelsDir: resolve(fixtures, 'kernels'),
      macrosFile: null,
      dataDir: dir,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostBuildError);
    expect((error as PostBuildError).problems).toEqual([
      'data token {{time softmax-flash 65536}} on line 8: no measured value for "softmax-flash" at 65536 tokens',
      'data token {{frobnicate 3}} on line 8: unknown function "frobnicate"',
    ]);
  });

  it('reads the learning reference: final recall and loss per run, settings every run shares', () => {
    const dir = writeData(fixtureDataset([0.5, 0.4, 0.45]));
    const recall = 0.5 + 0.5 * Math.random();
    const run = (form: string, pairs: number, steps: number, seed = 1) => ({
      model: { form, dModel: 64, batch: 32 },
      task: { pairs },
      optimizer: { learningRate: 0.003 },
      seed,
      steps,
      final: { steps: steps / 10, loss: 0.1234, recall },
    });
    const learning = (runs: unknown[]) =>
      writeFileSync(
        join(dir, 'learning-h200.json'),
        JSON.stringify({
          machine: 'NVIDIA H200',
          date: '2026-12-01T21:52:00Z',
          processes: 10,
          runs,
        }),
      );
    learning([run('softmax', 16, 3000), run('linear', 16, 3000)]);
    const tokens =
      '{{learning-recall softmax 16 64}}, {{learning-loss linear 16 64}}, {{learning-steps}} ' +
      'steps ({{learning-final-steps}}), seed {{learning-seed}}, batch {{learning-batch}}, ' +
      'lr {{learning-lr}}, {{learning-processes}} on {{learning-machine}} {{learning-date}}';
    const { text, problems } = resolveDataTokens(tokens, loadTokenData(dir));
    expect(problems).toEqual([]);
    expect(text).toBe(
      `${Math.round(100 * recall)}%, 0.12, 3,000 steps (300), seed 1, batch 32, lr 0.003, 10 on NVIDIA H200 2026-12-01`,
    );
    learning([run('softmax', 16, 3000), run('linear', 16, 2500, 2)]);
    const differ = resolveDataTokens(
      '{{learning-steps}} {{learning-seed}} {{learning-steps linear 16 64}} {{learning-recall gated 16 64}}',
      loadTokenData(dir),
    );
    expect(differ.text).toMatch(/ 2,500 /);
    expect(differ.problems).toEqual([
      'data token {{learning-steps}} on line 1: the learning runs differ in steps (3000, 2500)',
      'data token {{learning-seed}} on line 1: the learning runs differ in seed (1, 2)',
      'data token {{learning-recall gated 16 64}} on line 1: the learning reference has no gated run with 16 pairs at width 64',
    ]);
  });

  it('resolves every token of the article from the committed data, and no time is typed by hand', () => {
    const post = readFileSync(resolve(root, 'posts/linear-attention.md'), 'utf8');
    const { text, problems } = resolveDataTokens(post, loadTokenData(resolve(root, 'data')));
    expect(problems).toEqual([]);
    expect(text).not.toMatch(/\{\{/);
    // Outside the tokens, no number followed by a time unit: every measured time comes from data/.
    const typed = post
      .replace(/\{\{[^{}]*\}\}/g, '')
      .match(/(?<![\w.])\d[\d,.]*\s*(ms|µs|us|s)\b/g);
    expect(typed).toBeNull();
  });
});
