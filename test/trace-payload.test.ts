import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MILLISECOND, Simulation, checkDeterminism, digestPayload, type NodeId } from '../engine/index.js';
import { loadScenario } from '../scenarios/harness/load-scenario.js';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';

/** a sends b `payloads` one per millisecond; only the contents differ between runs. */
function sender(payloads: readonly unknown[], digestMessage?: (m: unknown) => number): Simulation {
  const sim = new Simulation({ seed: 1 });
  sim.addNode({
    name: 'a',
    process: (ctx) => {
      let next = 0;
      return {
        onStart: () => ctx.setTimer(MILLISECOND),
        onTimer: () => {
          ctx.send(ctx.lookup('b'), payloads[next++], 64);
          if (next < payloads.length) ctx.setTimer(MILLISECOND);
        },
        onMessage: () => {},
      };
    },
  });
  sim.addNode({ name: 'b', digestMessage, process: () => ({ onMessage: (_from: NodeId) => {} }) });
  return sim;
}

const hashOf = (payloads: readonly unknown[]) => sender(payloads).run().traceHash;

describe('the trace hash covers message contents', () => {
  it('two runs that differ only in a payload field get different hashes', () => {
    const base = hashOf([{ kind: 'write', key: 1, value: 10 }, { kind: 'ack' }]);
    expect(hashOf([{ kind: 'write', key: 1, value: 10 }, { kind: 'ack' }])).toBe(base);
    expect(hashOf([{ kind: 'write', key: 1, value: 11 }, { kind: 'ack' }])).not.toBe(base);
    expect(hashOf([{ kind: 'write', key: 1, value: 10.5 }, { kind: 'ack' }])).not.toBe(base);
    expect(hashOf([{ kind: 'write', key: 1, value: '10' }, { kind: 'ack' }])).not.toBe(base);
    expect(hashOf([{ kind: 'write', key: 1, value: 10 }, { kind: 'nak' }])).not.toBe(base);
    expect(hashOf([{ kind: 'write', key: 1, value: new Float64Array([10]) }, { kind: 'ack' }])).not.toBe(base);
  });

  it('the determinism check names the delivery whose payload differs', () => {
    let run = 0;
    expect(() =>
      checkDeterminism(() => sender(run++ === 0 ? ['x', 'y', 'z'] : ['x', 'y', 'Z']), { untilUs: 10 * MILLISECOND }),
    ).toThrow(/diverged at event #7\n  first run:  t=\d+us deliver node=b from=a/);
  });

  it("a node's own digest replaces the structural one", () => {
    const byKind = (m: unknown) => ((m as { kind: string }).kind === 'a' ? 1 : 2);
    const run = (value: number) => sender([{ kind: 'a', value }], byKind).run().traceHash;
    expect(run(1)).toBe(run(2));
    expect(sender([{ kind: 'a', value: 1 }]).run().traceHash).not.toBe(run(1));
  });

  it('equal contents give equal digests, whatever the object identity', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(digestPayload(structuredClone(value))).toBe(digestPayload(value));
      }),
    );
  });

  it('digests typed arrays, maps and sets by content, and stops on cycles', () => {
    expect(digestPayload(new Float64Array([1, 2]))).toBe(digestPayload(new Float64Array([1, 2])));
    expect(digestPayload(new Float64Array([1, 2]))).not.toBe(digestPayload(new Float64Array([2, 1])));
    expect(digestPayload(new Map([[1, [2]]]))).not.toBe(digestPayload(new Map([[1, [3]]])));
    expect(digestPayload(new Set(['a']))).not.toBe(digestPayload(new Set(['b'])));
    expect(digestPayload([1, [2]])).not.toBe(digestPayload([[1], 2]));
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(digestPayload(cyclic)).toBe(digestPayload(cyclic));
  });

  it('digests a typed array as the array of its elements, so the typed fast path changes no hash', () => {
    const values = [1.5, -2, 3e9, 0.1, 7];
    expect(digestPayload(new Float64Array(values))).toBe(digestPayload(values));
    expect(digestPayload(new Int32Array([1, -2, 3]))).toBe(digestPayload([1, -2, 3]));
    expect(digestPayload(new BigInt64Array([1n, -2n]))).toBe(digestPayload([1n, -2n]));
  });

  it('lww-clock-skew: last-write-wins and version vectors exchange the same messages but not the same contents', async () => {
    const loaded = loadScenario(resolveScenarioArgument('lww-clock-skew'), { overrides: ['duration=5s'] });
    const hash = async (name: string) =>
      (await runScenario(loaded.variants.find((v) => v.name === name)!.scenario)).result.traceHash;
    expect(await hash('lww')).not.toBe(await hash('version-vectors'));
  });
});
