import type { NodeContext, NodeId, Process } from '../../engine/node-context.js';
import { Simulation } from '../../engine/simulation.js';
import { CacheLog } from '../../models/measure/cache-log.js';
import { ComponentMetrics } from '../../models/measure/component-metrics.js';
import { DeliveryLog } from '../../models/measure/delivery-log.js';
import { HistoryRecorder } from '../../models/measure/history-recorder.js';
import { RequestMetrics } from '../../models/measure/request-metrics.js';
import { ShardLog, type ShardRecord } from '../../models/measure/shard-log.js';
import { FeedLog } from '../../models/measure/feed-log.js';
import { ChatLog } from '../../models/measure/chat-log.js';
import { StalenessProbes } from '../../models/measure/staleness-probes.js';
import type { InstanceContext } from '../../models/kit/model-contract.js';
import type { KvReply, KvRequest } from '../../models/sharding/kv-messages.js';
import { kvRouter, type KvRouter } from '../../models/sharding/key-router.js';
import { kvStoreModel } from '../../models/sharding/kv-store.js';
import { instanceContext } from '../../scenarios/harness/instance-context.js';

/** One operation a test client sends, at a true time. */
export interface KvOp {
  atUs: number;
  op: 'get' | 'put' | 'delete';
  key: number;
  sizeBytes?: number;
  ifAbsent?: boolean;
}

export interface KvOutcome {
  op: KvOp;
  sentUs: number;
  /** NaN until the reply comes. */
  repliedUs: number;
  reply: KvReply | null;
  /** The store node the client sent to (by index). */
  sentTo: number;
}

/** Sends its operations at their times, each to the shard the router names on its own clock, and keeps the replies. */
class KvClient implements Process<KvReply> {
  private readonly ids: NodeId[];
  private readonly byId = new Map<number, KvOutcome>();

  constructor(
    private readonly ctx: NodeContext,
    private readonly router: KvRouter,
    private readonly ops: readonly KvOp[],
    private readonly outcomes: KvOutcome[],
  ) {
    this.ids = router.nodes.map((n) => ctx.lookup(n));
  }

  onStart(): void {
    this.ops.forEach((op, i) => this.ctx.setTimer(op.atUs, 0, i));
  }

  onTimer(_tag: number, data: unknown): void {
    const i = data as number;
    const op = this.ops[i];
    const sentUs = this.ctx.nowUs;
    const to = this.router.nodeFor(op.key, this.ctx.localTimeUs());
    const request: KvRequest =
      op.op === 'get'
        ? { kind: 'kv-get', id: i, key: op.key, sentUs }
        : op.op === 'delete'
          ? { kind: 'kv-delete', id: i, key: op.key, sentUs }
          : { kind: 'kv-put', id: i, key: op.key, sentUs, sizeBytes: op.sizeBytes ?? 100, ifAbsent: op.ifAbsent };
    const outcome: KvOutcome = { op, sentUs, repliedUs: Number.NaN, reply: null, sentTo: to };
    this.byId.set(i, outcome);
    this.outcomes.push(outcome);
    this.ctx.send(this.ids[to], request, op.op === 'put' ? (op.sizeBytes ?? 100) : 0);
  }

  onMessage(_from: NodeId, reply: KvReply): void {
    const outcome = this.byId.get(reply.id);
    if (outcome === undefined || outcome.reply !== null) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
    outcome.reply = reply;
    outcome.repliedUs = this.ctx.nowUs;
  }
}

export interface KvRig {
  sim: Simulation;
  caches: CacheLog;
  record: ShardRecord;
  shardLog: ShardLog;
  metrics: ComponentMetrics;
  router: KvRouter;
  /** Adds a client node sending these operations; its outcomes fill in as the run goes. */
  client(ops: readonly KvOp[], options?: { name?: string; clockOffsetUs?: number }): KvOutcome[];
}

/**
 * A kv-store `db` on nodes db-1..db-`nodes`, built through its registered
 * model definition from raw parameters (as a scenario file gives them), with
 * 1 ms links (2 ms round trips) to everything; `clockOffsetsUs`: each store
 * node's clock offset (0 when absent).
 */
export function kvRig(
  rawParams: Record<string, unknown>,
  nodes: number,
  options: { seed?: number; durationUs?: number; clockOffsetsUs?: readonly number[] } = {},
): KvRig {
  const sim = new Simulation({
    seed: options.seed ?? 1,
    network: { sameRegionRttUs: { type: 'constant', value: 2000 } },
  });
  const params = kvStoreModel.params.parse(rawParams);
  const durationUs = options.durationUs ?? 60_000_000;
  const windowUs = 1_000_000;
  const windows = Math.ceil(durationUs / windowUs);
  const caches = new CacheLog(windowUs, windows);
  const shards = new ShardLog(windowUs, windows);
  const metrics = new ComponentMetrics('db', 'kv-store', nodes, params.workers, windowUs, windows, 0);
  const names = Array.from({ length: nodes }, (_, i) => `db-${i + 1}`);
  const context = (name: string, nodeNames: readonly string[]): InstanceContext =>
    instanceContext(sim, {
      name,
      nodeNames,
      nodesOf: () => names,
      requests: new RequestMetrics({ windowUs, durationUs, availabilityThresholdUs: 1_000_000, measureFromUs: 0 }),
      history: new HistoryRecorder(sim),
      probes: new StalenessProbes(),
      deliveries: new DeliveryLog(),
      caches,
      shards,
      feeds: new FeedLog(1_000_000, 1, 0),
      chats: new ChatLog(1_000_000, 1, 0),
      shared: (_key, build) => build(),
      paramsOf: () => params as unknown as Record<string, unknown>,
      metricsOf: () => undefined,
      componentMetrics: () => metrics,
    });
  const problems = kvStoreModel.check?.(params, { nodeCount: nodes }) ?? [];
  if (problems.length > 0) throw new Error(JSON.stringify(problems));
  const factory = kvStoreModel.instantiate(params, context('db', names));
  names.forEach((name, i) =>
    sim.addNode({ name, clock: { offsetUs: options.clockOffsetsUs?.[i] ?? 0 }, process: factory(i) }),
  );
  const router = kvRouter(context('client', ['client-1']), 'db');
  let clients = 0;
  return {
    sim,
    caches,
    record: shards.stores[0],
    shardLog: shards,
    metrics,
    router,
    client(ops, { name = `client-${++clients}`, clockOffsetUs = 0 } = {}) {
      const outcomes: KvOutcome[] = [];
      sim.addNode({
        name,
        clock: { offsetUs: clockOffsetUs },
        process: (ctx) => new KvClient(ctx, router, ops, outcomes),
      });
      return outcomes;
    },
  };
}
