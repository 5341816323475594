/**
 * The encoder counter (src/gpu/encoder-count.ts) over a stand-in encoder, without a GPU: every
 * call reaches the wrapped encoder unchanged, and the count says what was recorded (the GPU tests
 * in tests/gpu/dispatch-floor.test.ts count real forms on a real encoder).
 */
import { describe, expect, it } from 'vitest';
import { countingEncoder } from '../../src/gpu/encoder-count.ts';

/** An encoder that records each call it receives as "method args". */
function recordingEncoder(calls: string[]): GPUCommandEncoder {
  const record =
    (name: string) =>
    (...args: unknown[]) => {
      calls.push(`${name} ${args.map((a) => (typeof a === 'number' ? a : typeof a)).join(' ')}`);
    };
  const pass = {
    setPipeline: record('setPipeline'),
    dispatchWorkgroups: record('dispatchWorkgroups'),
    dispatchWorkgroupsIndirect: record('dispatchWorkgroupsIndirect'),
    end: record('end'),
  };
  return {
    beginComputePass: (...args: unknown[]) => {
      record('beginComputePass')(...args);
      return pass;
    },
    clearBuffer: record('clearBuffer'),
    copyBufferToBuffer: record('copyBufferToBuffer'),
  } as unknown as GPUCommandEncoder;
}

describe('the encoder counter', () => {
  it('counts passes, direct and indirect dispatches, workgroups and copies, and passes every call on', () => {
    const passes = Array.from({ length: 1 + Math.floor(Math.random() * 4) }, () =>
      Math.floor(Math.random() * 4),
    );
    const real: string[] = [];
    const { encoder, count } = countingEncoder(recordingEncoder(real));
    const expected: string[] = [];
    let dispatches = 0;
    let indirect = 0;
    let workgroups = 0;
    for (const n of passes) {
      const pass = encoder.beginComputePass({ label: 'p' });
      expected.push('beginComputePass object');
      for (let i = 0; i < n; i++) {
        pass.setPipeline({} as GPUComputePipeline);
        expected.push('setPipeline object');
        dispatches++;
        if (i % 2) {
          pass.dispatchWorkgroupsIndirect({} as GPUBuffer, 16);
          expected.push('dispatchWorkgroupsIndirect object 16');
          indirect++;
        } else {
          const [x, y] = [1 + Math.floor(Math.random() * 9), 1 + Math.floor(Math.random() * 3)];
          pass.dispatchWorkgroups(x, y);
          expected.push(`dispatchWorkgroups ${x} ${y} 1`);
          workgroups += x * y;
        }
      }
      pass.end();
      expected.push('end ');
    }
    encoder.clearBuffer({} as GPUBuffer);
    encoder.copyBufferToBuffer({} as GPUBuffer, 0, {} as GPUBuffer, 0, 4);
    expected.push('clearBuffer object', 'copyBufferToBuffer object 0 object 0 4');
    expect(real).toEqual(expected);
    expect(count).toEqual({ passes: passes.length, dispatches, workgroups, indirect, copies: 2 });
  });

  it('counts a pass with no dispatch (an empty phase) as a pass and nothing else', () => {
    const { encoder, count } = countingEncoder(recordingEncoder([]));
    encoder.beginComputePass().end();
    expect(count).toEqual({ passes: 1, dispatches: 0, workgroups: 0, indirect: 0, copies: 0 });
  });
});
