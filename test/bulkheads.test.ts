import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import type { NodeContext, NodeId, Process } from '../engine/node-context.js';
import { Bulkhead, REFUSE, RUN, WAIT } from '../models/servers/bulkhead.js';
import { responseTo, type Request } from '../models/kit/request-messages.js';
import { QueueServer, type DependencyCalls } from '../models/servers/queue-server.js';
import { runScript, type ScriptedRequest } from './fixtures/scripted-requests.js';
import { queueServerSettings } from './fixtures/queue-server-settings.js';
import { bundledReport } from './support/bundled-report.js';

describe('bulkhead', () => {
  it('runs up to maxConcurrent, queues up to maxWaiting, refuses beyond; a freed slot goes to the oldest waiter', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.boolean(), { maxLength: 200 }),
        (maxConcurrent, maxWaiting, steps) => {
          const bulkhead = new Bulkhead<number>({ maxConcurrent, maxWaiting });
          let running = 0;
          const waiting: number[] = [];
          let id = 0;
          for (const admit of steps) {
            if (admit) {
              const call = id++;
              const expected = running < maxConcurrent ? RUN : waiting.length < maxWaiting ? WAIT : REFUSE;
              expect(bulkhead.admit(call)).toBe(expected);
              if (expected === RUN) running++;
              if (expected === WAIT) waiting.push(call);
            } else if (running > 0) {
              const next = bulkhead.release();
              expect(next).toBe(waiting.shift());
              if (next === undefined) running--;
            }
            expect(bulkhead.inFlight).toBe(running);
            expect(bulkhead.waiting).toBe(waiting.length);
          }
        },
      ),
    );
  });
});

/** A dependency that answers every call after `delayUs`, noting how many it holds at once and which operations call it. */
class SlowDependency implements Process<Request> {
  inFlight = 0;
  maxInFlight = 0;
  readonly operations: string[] = [];

  constructor(
    private readonly ctx: NodeContext,
    private readonly delayUs: number,
  ) {}

  onMessage(from: NodeId, request: Request): void {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.operations.push(request.operation);
    this.ctx.setTimer(this.delayUs, 0, { from, request });
  }

  onTimer(_tag: number, data: unknown): void {
    const { from, request } = data as { from: NodeId; request: Request };
    this.inFlight--;
    this.ctx.send(from, responseTo(request), 0);
  }
}

/** An API with plenty of workers whose `pay` requests call a 10 ms dependency through a bulkhead; `browse` calls nothing. */
function apiWithBulkhead(
  script: ScriptedRequest[],
  bulkhead: { maxConcurrent: number; maxWaiting: number },
  timeoutUs?: number,
) {
  let dependency: SlowDependency | undefined;
  const calls: DependencyCalls = {
    dependencies: [{ name: 'payments', nodes: ['payments'], operations: ['pay'], bulkhead }],
    mode: 'sequence',
    timeoutUs,
  };
  const { answers } = runScript(
    (ctx) =>
      new QueueServer(ctx, queueServerSettings({ serviceTime: { type: 'constant', value: 0 }, workers: 100 }), {
        calls,
      }),
    script,
    {
      extra: { payments: (ctx) => (dependency = new SlowDependency(ctx, 10_000)) },
    },
  );
  const outcome = (index: number) => answers.find((a) => a.index === index)!;
  return { answers, outcome, dependency: dependency! };
}

describe('queue-server bulkheads', () => {
  it('hold calls to maxConcurrent, let maxWaiting wait, and fail the rest at once, releasing their workers', () => {
    const script = Array.from({ length: 50 }, (_, k) => ({ atUs: k, operation: 'pay' }));
    const { answers, outcome, dependency } = apiWithBulkhead(script, { maxConcurrent: 4, maxWaiting: 2 });
    expect(dependency.maxInFlight).toBe(4);
    expect(answers).toHaveLength(50);
    for (let k = 0; k < 4; k++) expect(outcome(k)).toMatchObject({ atUs: 10_000 + k, error: undefined });
    // The two that waited take the first slots freed, 10 ms in.
    for (let k = 4; k < 6; k++) expect(outcome(k)).toMatchObject({ atUs: 20_000 + k - 4, error: undefined });
    // The rest fail fast: answered the instant they arrived.
    for (let k = 6; k < 50; k++) expect(outcome(k)).toEqual({ index: k, atUs: k, error: 'rejected' });
  });

  it('only the operations listed call the dependency; the others never wait for it', () => {
    const script = Array.from({ length: 20 }, (_, k) => ({ atUs: k, operation: k % 2 === 0 ? 'pay' : 'browse' }));
    const { outcome, dependency } = apiWithBulkhead(script, { maxConcurrent: 2, maxWaiting: 0 });
    expect(dependency.operations).toEqual(['pay', 'pay']);
    for (let k = 1; k < 20; k += 2) expect(outcome(k)).toEqual({ index: k, atUs: k, error: undefined });
    expect([0, 2].map((k) => outcome(k).error)).toEqual([undefined, undefined]);
    for (let k = 4; k < 20; k += 2) expect(outcome(k).error).toBe('rejected');
  });

  it('the call timeout counts the wait for a slot, so a worker is never held longer than it', () => {
    const script = [
      ...Array.from({ length: 4 }, (_, k) => ({ atUs: k, operation: 'pay' })),
      { atUs: 30_000, operation: 'pay' },
    ];
    const { outcome, dependency } = apiWithBulkhead(script, { maxConcurrent: 2, maxWaiting: 2 }, 15_000);
    for (let k = 0; k < 2; k++) expect(outcome(k)).toMatchObject({ atUs: 10_000 + k, error: undefined });
    // Waiting from ~0 for a slot freed at 10 ms, then 10 ms of call: past the 15 ms that started when they waited.
    for (let k = 2; k < 4; k++) expect(outcome(k)).toMatchObject({ atUs: 15_000 + k, error: 'timeout' });
    // The timed-out calls gave their slots back: the next request runs at once.
    expect(outcome(4)).toMatchObject({ atUs: 40_000, error: undefined });
    expect(dependency.operations).toHaveLength(5);
  });

  it('dependencies may be names or { component, operations, bulkhead }, with clear messages for mistakes', () => {
    const scenario = (deps: string) => `
name: s
duration: 1s
topology: { nodes: { server: {}, client: {}, pay: {}, db: {} } }
components:
  api: { type: queue-server, nodes: server, serviceTime: 1ms, calls: { dependencies: ${deps} } }
  payments: { type: queue-server, nodes: pay, serviceTime: 1ms }
  store: { type: queue-server, nodes: db, serviceTime: 1ms }
workloads:
  users: { type: poisson, nodes: client, target: api, rate: 10/s }
`;
    const { scenario: parsed } = parseScenarioText(
      scenario('[store, { component: payments, operations: [checkout], bulkhead: { maxConcurrent: 4 } }]'),
      's.yaml',
    );
    expect((parsed.components.api as { calls: unknown }).calls).toMatchObject({
      dependencies: [
        'store',
        { component: 'payments', operations: ['checkout'], bulkhead: { maxConcurrent: 4, maxWaiting: 0 } },
      ],
    });
    expect(() => parseScenarioText(scenario('[{ component: paymnts }]'), 's.yaml')).toThrow(
      'components.api.calls.dependencies.0.component: no component "paymnts"',
    );
    expect(() =>
      parseScenarioText(scenario('[{ component: payments, bulkhead: { maxConcurrent: 0 } }]'), 's.yaml'),
    ).toThrow('components.api.calls.dependencies.0.bulkhead.maxConcurrent: must be at least 1, got 0');
    expect(() => parseScenarioText(scenario('[{ component: payments, operatons: [a] }]'), 's.yaml')).toThrow(
      'unknown key "operatons" (did you mean "operations"?)',
    );
  });
});

describe('bulkheads', () => {
  it('a slow dependency fails every operation through a shared pool; a bulkhead confines it to checkout, unless its line fills the pool', async () => {
    const report = await bundledReport('bulkheads');
    const variant = (name: string) => report.variants!.find((v) => v.name === name)!.metrics;
    const availability = (name: string, op: string) => variant(name).requests.byOperation[op].availability!;

    expect(availability('shared-pool', 'browse')).toBeLessThan(0.8);
    expect(availability('shared-pool', 'checkout')).toBeLessThan(0.8);
    for (const name of ['bulkhead', 'bulkhead-waiting']) {
      expect(availability(name, 'browse')).toBeGreaterThan(0.995);
      expect(availability(name, 'checkout')).toBeLessThan(0.8);
      expect(
        variant(name).components.find((c) => c.name === 'api')!.details!['bulkheadRejected.payments'],
      ).toBeGreaterThan(500);
    }
    expect(availability('bulkhead-too-big', 'browse')).toBeLessThan(availability('shared-pool', 'browse'));
    // During the slowdown (5 s to 15 s) the shared pool's availability collapses; the bulkhead keeps most requests.
    const during = (name: string) =>
      variant(name)
        .timeline.slice(6, 15)
        .map((w) => w.availability!);
    expect(Math.max(...during('shared-pool'))).toBeLessThan(0.6);
    expect(Math.min(...during('bulkhead'))).toBeGreaterThan(0.8);
  });
});
