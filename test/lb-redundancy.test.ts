import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MILLISECOND, SECOND, Simulation, scheduleFaults, type NodeContext, type NodeId } from '../engine/index.js';
import { LoadBalancer, loadBalancerModel } from '../models/balancers/load-balancer.js';
import { responseTo, type Ping, type Pong, type Request, type Response } from '../models/kit/request-messages.js';
import { bundledReport } from './support/bundled-report.js';

/**
 * An active-passive pair (lb-1 holds `vip` first), one backend, and a client
 * sending to the virtual IP every millisecond and counting answers per 10 ms.
 */
function pair(heartbeatUs: number, failAfter: number) {
  const sim = new Simulation({ seed: 11 });
  const answeredPer10ms: number[] = [];
  for (const name of ['lb-1', 'lb-2']) {
    sim.addNode({
      name,
      process: (ctx) =>
        new LoadBalancer(
          ctx,
          { ...loadBalancerModel.params.parse({ backends: ['api'] }), virtualNodes: 1 },
          { backends: [{ node: 'api', weight: 1 }], failover: { address: 'vip', heartbeatUs, failAfter } },
        ),
    });
  }
  sim.addNode({
    name: 'api',
    process: (ctx: NodeContext) => ({
      onMessage: (from: NodeId, m: Request | Ping) =>
        ctx.send(from, m.kind === 'ping' ? ({ kind: 'pong', id: m.id } satisfies Pong) : responseTo(m)),
    }),
  });
  sim.addNode({
    name: 'client',
    process: (ctx: NodeContext) => {
      let id = 0;
      return {
        onStart: () => ctx.setTimer(MILLISECOND),
        onTimer() {
          ctx.send(ctx.lookup('vip'), {
            kind: 'request',
            id: id++,
            sentUs: ctx.nowUs,
            operation: 'r',
            priority: 0,
            session: 0,
          } satisfies Request);
          ctx.setTimer(MILLISECOND);
        },
        onMessage(_from: NodeId, r: Response) {
          const w = Math.floor(r.sentUs / (10 * MILLISECOND));
          answeredPer10ms[w] = (answeredPer10ms[w] ?? 0) + 1;
        },
      };
    },
  });
  sim.addAddress('vip', sim.nodeId('lb-1'));
  return { sim, answeredPer10ms };
}

describe('active-passive failover on a virtual IP', () => {
  it('the standby claims the address failAfter to failAfter + 1 heartbeats after the active dies, and traffic resumes through it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 300 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 100, max: 2_000 }),
        (heartbeatMs, failAfter, crashMs) => {
          const heartbeatUs = heartbeatMs * MILLISECOND;
          const crashUs = crashMs * MILLISECOND;
          const { sim, answeredPer10ms } = pair(heartbeatUs, failAfter);
          // lb-1 comes back once the standby has taken over, and must not take the address back.
          scheduleFaults(sim, [
            {
              atUs: crashUs,
              action: { kind: 'crash', nodes: 'lb-1', forUs: (failAfter + 1) * heartbeatUs + 10 * MILLISECOND },
            },
          ]);
          const endUs = crashUs + (failAfter + 3) * heartbeatUs;
          const result = sim.run({ untilUs: endUs });
          const claims = result.faults.filter((f) => f.kind === 'claim-address');
          // One takeover, and no preemption when lb-1 comes back.
          expect(claims).toEqual([
            { timeUs: expect.any(Number), kind: 'claim-address', nodes: ['lb-2'], detail: 'vip (from lb-1)' },
          ]);
          const detectionUs = claims[0].timeUs - crashUs;
          // A heartbeat that reached lb-1 before it died was answered: the first miss may be one one-way delay (≤ 0.5 ms) early.
          expect(detectionUs).toBeGreaterThanOrEqual(failAfter * heartbeatUs - 500);
          expect(detectionUs).toBeLessThanOrEqual((failAfter + 1) * heartbeatUs);
          // Requests sent before the crash and after the claim are answered; those sent in between are lost with lb-1.
          const windowUs = 10 * MILLISECOND;
          for (let w = 1; (w + 1) * windowUs < endUs - windowUs; w++) {
            const answered = answeredPer10ms[w] ?? 0;
            if ((w + 1) * windowUs <= crashUs - MILLISECOND || w * windowUs >= claims[0].timeUs)
              expect(answered, `window ${w}`).toBe(10);
            else if (w * windowUs >= crashUs && (w + 1) * windowUs <= claims[0].timeUs)
              expect(answered, `window ${w}`).toBe(0);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('never fails over while the active answers', () => {
    const { sim, answeredPer10ms } = pair(50 * MILLISECOND, 1);
    const result = sim.run({ untilUs: 5 * SECOND });
    expect(result.faults).toEqual([]);
    expect(answeredPer10ms.slice(1, 499).every((n) => n === 10)).toBe(true);
  });
});

describe('lb-redundancy scenario', () => {
  it('downtime: the whole crash for a single balancer, the detection time for active-passive, none for active-active (partial failures)', async () => {
    const report = await bundledReport('lb-redundancy');
    const variant = (name: string) => report.variants!.find((v) => v.name === name)!;
    const crashUs = 15 * SECOND;
    const sentInCrash = 10 * 1000;

    const single = variant('single').metrics;
    expect(single.availability.downtimeUs).toBeGreaterThanOrEqual(9.5 * SECOND);
    expect(single.availability.downtimeUs).toBeLessThanOrEqual(10.25 * SECOND);
    expect(single.requests.errors.timeout).toBeGreaterThan(0.9 * sentInCrash);

    const ap = variant('active-passive');
    const claim = ap.faults.find((f) => f.kind === 'claim-address')!;
    expect(claim).toMatchObject({ nodes: ['balancer-2'], detail: 'lb-vip (from balancer-1)' });
    expect(claim.timeUs - crashUs).toBeGreaterThanOrEqual(3 * 250 * MILLISECOND - 500);
    expect(claim.timeUs - crashUs).toBeLessThanOrEqual(4 * 250 * MILLISECOND);
    expect(ap.faults.filter((f) => f.kind === 'claim-address')).toHaveLength(1);
    expect(ap.metrics.availability.downtimeUs).toBeGreaterThan(0);
    expect(ap.metrics.availability.downtimeUs).toBeLessThanOrEqual(SECOND);
    expect(ap.metrics.requests.errors.timeout).toBeLessThan(0.1 * single.requests.errors.timeout);

    // Both balancers take traffic: an attempt hits the dead one half the time, and three attempts all do one time in eight.
    const aa = variant('active-active').metrics;
    expect(aa.availability.downtimeUs).toBe(0);
    expect(aa.requests.errors.timeout).toBeGreaterThan(0.08 * sentInCrash);
    expect(aa.requests.errors.timeout).toBeLessThan(0.18 * sentInCrash);
    // Failures are counted when the last attempt gives up, a few hundred milliseconds after the first.
    const during = aa.timeline.filter(
      (w) => w.startUs >= crashUs + 500 * MILLISECOND && w.endUs <= crashUs + 10 * SECOND,
    );
    expect(during.every((w) => w.availability! > 0.75 && w.availability! < 0.97)).toBe(true);
  });
});
