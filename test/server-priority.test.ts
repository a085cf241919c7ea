import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { QueueServer, type ShedRule } from '../models/servers/queue-server.js';
import { PriorityLine, RingLine, SERVICE_ORDERS, type ServiceOrder } from '../models/servers/waiting-line.js';
import { runScript, type ScriptedRequest } from './fixtures/scripted-requests.js';
import { queueServerSettings } from './fixtures/queue-server-settings.js';
import { bundledReport } from './support/bundled-report.js';

interface Item {
  id: number;
  priority: number;
  seq: number;
}

/** The reference discipline: a plain array searched in full on every step. */
function referenceTake(items: Item[], order: ServiceOrder, arrival: Map<Item, number>): Item {
  let best = items[0];
  for (const item of items) {
    const a = arrival.get(item)!;
    const b = arrival.get(best)!;
    if (
      order === 'fifo'
        ? a < b
        : order === 'lifo'
          ? a > b
          : item.priority > best.priority || (item.priority === best.priority && a < b)
    )
      best = item;
  }
  items.splice(items.indexOf(best), 1);
  return best;
}

/** The newest of the lowest-priority items, if below `priority`. */
function referenceEvict(items: Item[], priority: number, arrival: Map<Item, number>): Item | undefined {
  if (items.length === 0) return undefined;
  let worst = items[0];
  for (const item of items) {
    if (
      item.priority < worst.priority ||
      (item.priority === worst.priority && arrival.get(item)! > arrival.get(worst)!)
    )
      worst = item;
  }
  if (worst.priority >= priority) return undefined;
  items.splice(items.indexOf(worst), 1);
  return worst;
}

const command = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), priority: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('take' as const) }),
  fc.record({ kind: fc.constant('evict' as const), below: fc.integer({ min: 0, max: 5 }) }),
);

describe('waiting lines', () => {
  it('serve and evict exactly as the reference ordering, for any interleaving of arrivals, takes and evictions', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SERVICE_ORDERS), fc.array(command, { maxLength: 300 }), (order, commands) => {
        const line = new PriorityLine<Item>(order);
        const reference: Item[] = [];
        const arrival = new Map<Item, number>();
        let id = 0;
        for (const c of commands) {
          if (c.kind === 'add') {
            const item = { id: id++, priority: c.priority, seq: -1 };
            arrival.set(item, item.id);
            line.add(item);
            reference.push(item);
          } else if (c.kind === 'take') {
            if (reference.length === 0) continue;
            expect(line.take()).toBe(referenceTake(reference, order, arrival));
          } else {
            expect(line.evictBelow(c.below)).toBe(referenceEvict(reference, c.below, arrival));
          }
          expect(line.length).toBe(reference.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the plain ring serves FIFO or LIFO like the reference, growing past its first capacity', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.boolean(), { maxLength: 400 }), (lifo, adds) => {
        const line = new RingLine<Item>(lifo);
        const reference: Item[] = [];
        const arrival = new Map<Item, number>();
        adds.forEach((add, id) => {
          if (add) {
            const item = { id, priority: 0, seq: -1 };
            arrival.set(item, id);
            line.add(item);
            reference.push(item);
          } else if (reference.length > 0) {
            expect(line.take()).toBe(referenceTake(reference, lifo ? 'lifo' : 'fifo', arrival));
          }
          expect(line.length).toBe(reference.length);
        });
      }),
    );
  });
});

/**
 * A server with one worker, busy with a 100 ms request while `priorities`
 * arrive one microsecond apart; then it drains the queue at 1 ms each.
 * Returns what the client saw: request index and outcome, in order.
 */
function drain(
  priorities: number[],
  config: {
    order: ServiceOrder;
    queueCapacity?: number;
    whenFull: 'reject' | 'evict-lower-priority';
    shed: ShedRule[];
  },
) {
  const script: ScriptedRequest[] = [
    { atUs: 0, operation: 'block' },
    ...priorities.map((priority, k) => ({ atUs: k + 1, priority })),
  ];
  const { answers } = runScript(
    (ctx) =>
      new QueueServer(
        ctx,
        queueServerSettings({
          serviceTime: { type: 'constant', value: 1000 },
          serviceTimeByOperation: { block: { type: 'constant', value: 100_000 } },
          ...config,
        }),
      ),
    script,
  );
  return answers.map((a) => [a.index, a.error ?? 'ok']);
}

/** What `drain` must see: admission decided arrival by arrival, then the blocker, then the queue in service order. */
function expectedDrain(priorities: number[], config: Parameters<typeof drain>[1]) {
  const answers: [number, string][] = [];
  const queue: Item[] = [];
  const arrival = new Map<Item, number>();
  priorities.forEach((priority, k) => {
    const item = { id: k + 1, priority, seq: k };
    arrival.set(item, k);
    if (config.shed.some((r) => priority < r.below && queue.length > r.queueAbove)) {
      answers.push([item.id, 'rejected']);
    } else if (queue.length < (config.queueCapacity ?? Infinity)) {
      queue.push(item);
    } else {
      const evicted = config.whenFull === 'evict-lower-priority' ? referenceEvict(queue, priority, arrival) : undefined;
      if (evicted === undefined) {
        answers.push([item.id, 'rejected']);
      } else {
        answers.push([evicted.id, 'rejected']);
        queue.push(item);
      }
    }
  });
  answers.push([0, 'ok']);
  while (queue.length > 0) answers.push([referenceTake(queue, config.order, arrival).id, 'ok']);
  return answers;
}

describe('queue-server ordering and shedding by priority', () => {
  it('priority order serves the highest priority first, FIFO within a level', () => {
    expect(drain([0, 2, 1, 2, 0, 1], { order: 'priority', whenFull: 'reject', shed: [] })).toEqual([
      [0, 'ok'],
      [2, 'ok'],
      [4, 'ok'],
      [3, 'ok'],
      [6, 'ok'],
      [1, 'ok'],
      [5, 'ok'],
    ]);
  });

  it('a full queue evicts the newest of the lowest priority for a more important arrival, and rejects an arrival that is not', () => {
    expect(
      drain([0, 0, 1, 1, 0], { order: 'fifo', queueCapacity: 2, whenFull: 'evict-lower-priority', shed: [] }),
    ).toEqual([
      [2, 'rejected'], // evicted by 3: the newer of the two 0s
      [1, 'rejected'], // evicted by 4
      [5, 'rejected'], // a 0 arriving at a queue of 1s
      [0, 'ok'],
      [3, 'ok'],
      [4, 'ok'],
    ]);
  });

  it('admission rules turn away lower priorities once more than queueAbove wait, and only them', () => {
    expect(
      drain([0, 0, 0, 1, 0, 2, 1], {
        order: 'fifo',
        whenFull: 'reject',
        shed: [
          { below: 1, queueAbove: 1 },
          { below: 2, queueAbove: 3 },
        ],
      }),
    ).toEqual([
      [3, 'rejected'], // 0 with 2 waiting
      [5, 'rejected'], // 0 with 3 waiting
      [7, 'rejected'], // 1 with 4 waiting
      [0, 'ok'],
      [1, 'ok'],
      [2, 'ok'],
      [4, 'ok'],
      [6, 'ok'],
    ]);
  });

  it('any arrivals under any order, capacity, eviction and rules: the server answers as the reference does', () => {
    const rule = fc.record({ below: fc.integer({ min: 1, max: 3 }), queueAbove: fc.integer({ min: 0, max: 8 }) });
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }),
        fc.record({
          order: fc.constantFrom(...SERVICE_ORDERS),
          queueCapacity: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
          whenFull: fc.constantFrom('reject' as const, 'evict-lower-priority' as const),
          shed: fc.array(rule, { maxLength: 2 }),
        }),
        (priorities, config) => {
          expect(drain(priorities, config)).toEqual(expectedDrain(priorities, config));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects shedding rules that could never apply, and unknown orders, with clear messages', () => {
    const scenario = (api: string) => `
name: s
duration: 1s
topology: { nodes: { server: {}, client: {} } }
components:
  api: { type: queue-server, nodes: server, serviceTime: 1ms, ${api} }
workloads:
  users: { type: poisson, nodes: client, target: api, rate: 10/s }
`;
    expect(() => parseScenarioText(scenario('shed: [{ below: 0, queueAbove: 5 }]'), 's.yaml')).toThrow(
      'components.api.shed.0.below: must be at least 1, got 0',
    );
    expect(() => parseScenarioText(scenario('order: random'), 's.yaml')).toThrow(
      'components.api.order: must be one of "fifo", "lifo", "priority"',
    );
    expect(() => parseScenarioText(scenario('whenFull: evict'), 's.yaml')).toThrow(
      'components.api.whenFull: must be one of "reject", "evict-lower-priority"',
    );
  });
});

describe('priority-shedding', () => {
  it('FIFO fails both operations; priority order with eviction keeps checkout whole and fast; shedding saves most reports too', async () => {
    const report = await bundledReport('priority-shedding');
    const variant = (name: string) => report.variants!.find((v) => v.name === name)!.metrics;
    const availability = (name: string, op: string) => variant(name).requests.byOperation[op].availability!;

    expect(availability('fifo', 'checkout')).toBeLessThan(0.05);
    expect(availability('fifo', 'report')).toBeLessThan(0.05);
    // Priority order alone: checkouts are served first but still bounce off a queue full of reports.
    expect(availability('priority-order', 'checkout')).toBeGreaterThan(0.6);
    expect(availability('priority-order', 'checkout')).toBeLessThan(0.95);
    for (const name of ['priority-evict', 'priority-evict-shed']) {
      expect(availability(name, 'checkout')).toBeGreaterThan(0.995);
      expect(variant(name).latencyByOperation.checkout.p99Us).toBeLessThan(20_000);
    }
    expect(availability('priority-evict', 'report')).toBeLessThan(0.05);
    expect(variant('priority-evict').components[0].details!.evicted).toBeGreaterThan(500);
    expect(availability('priority-evict-shed', 'report')).toBeGreaterThan(0.7);
    expect(variant('priority-evict-shed').components[0].details!.shed).toBeGreaterThan(1000);
    expect(variant('priority-evict-shed').goodputPerSec).toBeGreaterThan(2 * variant('priority-evict').goodputPerSec);
  });
});
