import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenData, resolveDataTokens } from '../../site/build/data-tokens.ts';

const root = resolve(import.meta.dirname, '../..');

/** A data folder with the committed reference dataset and the training fixture (made-up numbers). */
function dataDir(withTraining: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'data-tokens-training-'));
  copyFileSync(join(root, 'data/reference-h200.json'), join(dir, 'reference-h200.json'));
  if (withTraining) {
    copyFileSync(
      join(root, 'tests/fixtures/training/training-h200.json'),
      join(dir, 'training-h200.json'),
    );
  }
  return dir;
}

describe('training-step numbers from data', () => {
  it('renders ours and the native steps of attention alone and of the whole layer', () => {
    const { text, problems } = resolveDataTokens(
      '{{time train.attention.linear-chunked 65536}} ({{spread train.attention.linear-chunked 65536}}); ' +
        'layer {{time train.layer.gated-chunked 4096}}; PyTorch {{time train-torch.attention.softmax-sdpa 65536}}, ' +
        'bf16 {{time train-torch-bf16.layer.softmax-sdpa 16384}}, fla {{time train-fla.layer.fla-gla-chunk 1024}}; ' +
        '{{ratio train-torch.attention.softmax-sdpa train.attention.linear-chunked 65536}}; ' +
        '{{train-rounds}} rounds; {{train-layer-shape}}',
      loadTokenData(dataDir(true)),
    );
    expect(problems).toEqual([]);
    expect(text).toBe(
      '25.5 ms (25.0–26.5 ms); layer 11.5 ms; PyTorch 669 ms, bf16 7.10 ms, fla 2.10 ms; 26×; 3 rounds; 768 and 3,072',
    );
  });

  it('names the token when the training data, a scope or a point is missing', () => {
    const missing = resolveDataTokens(
      '{{time train.layer.linear-chunked 4096}}',
      loadTokenData(dataDir(false)),
    );
    expect(missing.problems).toEqual([
      'data token {{time train.layer.linear-chunked 4096}} on line 1: no training-step data (data/training-h200.json)',
    ]);
    const bad = resolveDataTokens(
      '{{time train.linear-chunked 4096}} {{time train.layer.softmax-flash 65536}} {{time train-jax.layer.x 1}}',
      loadTokenData(dataDir(true)),
    );
    expect(bad.problems).toEqual([
      'data token {{time train.linear-chunked 4096}} on line 1: "train.linear-chunked" needs a scope, attention or layer, before the form',
      'data token {{time train.layer.softmax-flash 65536}} on line 1: no measured value for "train.layer.softmax-flash" at 65536 tokens',
      'data token {{time train-jax.layer.x 1}} on line 1: unknown series "train-jax.layer.x"',
    ]);
  });
});
