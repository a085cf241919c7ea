import { z } from 'zod';
import type { NodeContext, NodeId } from '../../engine/index.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';

/**
 * `increment-below`: add one if the count (plus the previous window's, weighted) stays within `value`, atomically, as a
 * Redis Lua script does; `get`: read; `set`: overwrite with `value`; `add`: add `value` and return the new count.
 */
export type CounterOp = 'increment-below' | 'get' | 'set' | 'add';

/** One command to the store, about the count of limit key `key` in window `window` (the sender's window index). */
export interface CounterCommand {
  readonly kind: 'counter';
  readonly op: CounterOp;
  readonly id: number;
  readonly key: number;
  readonly window: number;
  /** increment-below: the limit; set: the new count; add: the amount; get: unused. */
  readonly value: number;
  /** increment-below: the share of the previous window's count that still weighs (a sliding counter); 0 for a fixed window. */
  readonly previousWeight: number;
}

/** The store's answer: the counts of the window asked about, and of the one before, after the command. */
export interface CounterReply {
  readonly kind: 'counter-reply';
  readonly id: number;
  /** increment-below: whether it counted the request; true for the other commands. */
  readonly allowed: boolean;
  readonly current: number;
  readonly previous: number;
}

interface WindowCounts {
  window: number;
  current: number;
  previous: number;
}

/**
 * A shared counter store (the Redis of a distributed rate limiter): per limit
 * key, the counts of the latest window and the one before; older windows
 * expire. Each command is applied whole when it arrives, so only
 * `increment-below` decides atomically: a `get` followed by a `set` from a
 * gateway leaves a gap in which others read the same count. Counts are
 * volatile: a crash loses them.
 */
export class CounterStore implements InspectableProcess<CounterCommand> {
  private readonly counters = new Map<number, WindowCounts>();

  constructor(
    private readonly ctx: NodeContext,
    private readonly metrics: ComponentMetrics | null,
  ) {}

  /** Limit keys counted, and the counts of their latest windows summed. */
  inspect(): InspectedState {
    let counted = 0;
    for (const counts of this.counters.values()) counted += counts.current;
    return { keys: this.counters.size, latestWindowCountTotal: counted };
  }

  onMessage(from: NodeId, command: CounterCommand): void {
    const now = this.ctx.nowUs;
    this.metrics?.recordArrival(false, now);
    let counts = this.counters.get(command.key);
    if (counts === undefined)
      this.counters.set(command.key, (counts = { window: command.window, current: 0, previous: 0 }));
    if (command.window > counts.window) {
      counts.previous = command.window === counts.window + 1 ? counts.current : 0;
      counts.current = 0;
      counts.window = command.window;
    }
    // A late command about the previous window reads and writes that window's count; anything older has expired.
    const slot = command.window === counts.window ? 0 : command.window === counts.window - 1 ? 1 : -1;
    let current = slot === 0 ? counts.current : slot === 1 ? counts.previous : 0;
    const previous = slot === 0 ? counts.previous : 0;
    let allowed = true;
    switch (command.op) {
      case 'increment-below':
        allowed = current + previous * command.previousWeight + 1 <= command.value;
        if (allowed) current++;
        break;
      case 'set':
        current = command.value;
        break;
      case 'add':
        current += command.value;
        break;
      case 'get':
        break;
    }
    if (slot === 0) counts.current = current;
    else if (slot === 1) counts.previous = current;
    this.metrics?.recordServed(now, now);
    this.ctx.send(
      from,
      { kind: 'counter-reply', id: command.id, allowed, current, previous } satisfies CounterReply,
      0,
    );
  }
}

const counterStoreParams = z.strictObject({});

export const counterStoreModel: ModelDefinition<typeof counterStoreParams> = {
  type: 'counter-store',
  role: 'component',
  description:
    'A shared counter store for distributed rate limits (like Redis): per key and window, atomic increment-if-below, get, set and add; counts are lost on a crash.',
  params: counterStoreParams,
  instantiate(_params, ctx) {
    const metrics = ctx.componentMetrics(0);
    return () => (nodeCtx) => new CounterStore(nodeCtx, metrics);
  },
};
