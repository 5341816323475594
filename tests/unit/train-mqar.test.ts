import { describe, expect, it } from 'vitest';
import {
  MqarTask,
  mqarVocab,
  resolveMqarConfig,
  validateMqarConfig,
} from '../../src/gpu/train/mqar.ts';
import { learningRateAt } from '../../src/gpu/train/run.ts';
import { parseTrainArgs } from '../../src/bench/train-args.ts';

describe('MQAR sequences', () => {
  it('list distinct keys with values, then ask for listed keys, scoring only the answers', () => {
    const config = resolveMqarConfig({ pairs: 5, queries: 7, tokens: 30 });
    const task = new MqarTask(config, 123);
    const { tokens, targets } = task.next(40);
    const { keys, values, pairs, queries, tokens: T } = config;
    for (let s = 0; s < 40; s++) {
      const seq = Array.from(tokens.subarray(s * T, (s + 1) * T));
      const tgt = Array.from(targets.subarray(s * T, (s + 1) * T));
      const memory = new Map<number, number>();
      for (let i = 0; i < pairs; i++) {
        const k = seq[2 * i]!;
        const v = seq[2 * i + 1]!;
        expect(k).toBeGreaterThanOrEqual(1);
        expect(k).toBeLessThanOrEqual(keys);
        expect(v).toBeGreaterThan(keys);
        expect(v).toBeLessThanOrEqual(keys + values);
        expect(memory.has(k)).toBe(false);
        memory.set(k, v);
      }
      const asked = new Set<number>();
      for (let j = 0; j < queries; j++) {
        const at = 2 * pairs + 2 * j;
        const q = seq[at]!;
        expect(memory.get(q)).toBe(tgt[at]);
        expect(seq[at + 1]).toBe(tgt[at]);
        expect(tgt[at + 1]).toBe(-1);
        if (j < pairs) asked.add(q);
      }
      // The first N queries ask every key once.
      expect(asked.size).toBe(pairs);
      for (let t = 2 * (pairs + queries); t < T; t++) expect(seq[t]).toBe(0);
      expect(tgt.filter((x) => x >= 0)).toHaveLength(queries);
      expect(tgt.slice(0, 2 * pairs).every((x) => x === -1)).toBe(true);
    }
    expect(mqarVocab(config)).toBe(1 + keys + values);
  });

  it('is a pure function of its seed', () => {
    const config = resolveMqarConfig({ pairs: 4 });
    const a = new MqarTask(config, 9).next(3);
    const b = new MqarTask(config, 9).next(3);
    const c = new MqarTask(config, 10).next(3);
    expect(a).toEqual(b);
    expect(a.tokens).not.toEqual(c.tokens);
  });

  it('refuses sequences too short for their pairs and queries, with a sentence', () => {
    expect(() => validateMqarConfig(resolveMqarConfig({ pairs: 8, tokens: 20 }))).toThrow(
      /needs 32 tokens per sequence; got 20/,
    );
    expect(() => validateMqarConfig(resolveMqarConfig({ pairs: 8, keys: 4 }))).toThrow(
      /at least as many key tokens \(4\) as pairs \(8\)/,
    );
  });
});

describe('the training schedule and command line', () => {
  it('warms the learning rate up linearly and decays it by a cosine to a tenth', () => {
    expect(learningRateAt(0, 100, 1, 10)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(9, 100, 1, 10)).toBeCloseTo(1, 12);
    expect(learningRateAt(10, 100, 1, 10)).toBeCloseTo(1, 12);
    expect(learningRateAt(55, 100, 1, 10)).toBeCloseTo(0.55, 12);
    expect(learningRateAt(99, 100, 1, 10)).toBeGreaterThan(0.1);
    expect(learningRateAt(100, 100, 1, 10)).toBeCloseTo(0.1, 12);
  });

  it('parses the trainer CLI and names a bad argument', () => {
    const args = parseTrainArgs(['--forms', 'softmax,gated', '--steps', '50', '--pairs', '16,64']);
    expect(args.forms).toEqual(['softmax', 'gated']);
    expect(args.steps).toBe(50);
    expect(args.pairs).toEqual([16, 64]);
    expect(args.dModel).toEqual([64]);
    expect(args.queries).toBeNull();
    expect(() => parseTrainArgs(['--forms', 'mamba'])).toThrow(/Unknown form "mamba"/);
    expect(() => parseTrainArgs(['--steps', '0'])).toThrow(/--steps must be an integer/);
    expect(() => parseTrainArgs(['--d-model', '32,x'])).toThrow(/--d-model must be an integer/);
  });

  it('reads the time cap, warm-up and note of a reference sweep, and refuses a cap of zero', () => {
    const args = parseTrainArgs(['--seconds', '55.5', '--warmup', '0', '--note', 'shared GPU']);
    expect(args.seconds).toBe(55.5);
    expect(args.warmup).toBe(0);
    expect(args.note).toBe('shared GPU');
    const plain = parseTrainArgs([]);
    expect([plain.seconds, plain.warmup, plain.note]).toEqual([null, null, null]);
    expect(() => parseTrainArgs(['--seconds', '0'])).toThrow(/--seconds must be a positive/);
    expect(() => parseTrainArgs(['--seconds', 'soon'])).toThrow(/--seconds must be a positive/);
  });
});
