import { z } from 'zod';
import type { NodeContext, NodeId } from '../../engine/index.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { positiveInt } from '../kit/units.js';

/** An app node asks for a block of `count` ids. */
export interface IdLease {
  readonly kind: 'id-lease';
  /** Unique per sender node; the grant carries it back. */
  readonly id: number;
  readonly count: number;
}

/** The block granted: ids firstId..firstId+count-1, never granted again. */
export interface IdLeaseGrant {
  readonly kind: 'id-lease-grant';
  readonly id: number;
  readonly firstId: number;
  readonly count: number;
}

/** The counter, on disk: it survives crashes, so a restarted allocator never grants a block twice. */
interface AllocatorDisk {
  nextId?: number;
  leases?: number;
}

/**
 * A ticket server (the guide's block allocation: `UPDATE id_blocks SET
 * next_block_start = next_block_start + block_size`): one durable counter;
 * each lease moves it on by the block asked for and answers the block, so
 * app nodes hand ids out locally and call here once per block. It is the
 * single counter the guide warns about, but called once per block rather
 * than once per id; while it is down, app nodes run on the blocks they hold.
 */
export class IdAllocator implements InspectableProcess<IdLease> {
  private readonly disk: AllocatorDisk;

  constructor(
    private readonly ctx: NodeContext<AllocatorDisk>,
    private readonly firstId: number,
    private readonly metrics: ComponentMetrics,
  ) {
    this.disk = ctx.durable;
    this.disk.nextId ??= firstId;
  }

  inspect(): InspectedState {
    return { nextId: this.disk.nextId! };
  }

  onMessage(from: NodeId, lease: IdLease): void {
    const now = this.ctx.nowUs;
    this.metrics.recordArrival(false, now);
    const firstId = this.disk.nextId!;
    this.disk.nextId = firstId + lease.count;
    this.disk.leases = (this.disk.leases ?? 0) + 1;
    // Over the whole run, warm-up included, as the app nodes count the ids they receive.
    this.metrics.noteDetail('leases', this.disk.leases);
    this.metrics.noteDetail('idsLeased', this.disk.nextId - this.firstId);
    this.metrics.recordServed(now, now);
    this.ctx.send(
      from,
      { kind: 'id-lease-grant', id: lease.id, firstId, count: lease.count } satisfies IdLeaseGrant,
      16,
    );
  }
}

const idAllocatorParams = z.strictObject({
  firstId: positiveInt
    .default(1)
    .describe(
      'The first id granted. Start it above the codes already in the store (a kv-store preloads keys 1..count), or the first blocks collide with them.',
    ),
});

export const idAllocatorModel: ModelDefinition<typeof idAllocatorParams> = {
  type: 'id-allocator',
  role: 'component',
  description:
    'A ticket server for short codes: one durable counter that grants blocks of ids to app nodes (a url-shortener with ids.scheme counter-range).',
  params: idAllocatorParams,
  check(_params, instance) {
    return instance.nodeCount === 1
      ? []
      : [{ path: ['nodes'], message: `an id-allocator is one counter on one node, got ${instance.nodeCount} nodes` }];
  },
  instantiate(params, ctx) {
    const metrics = ctx.componentMetrics(0);
    return () => (nodeCtx) => new IdAllocator(nodeCtx as NodeContext<AllocatorDisk>, params.firstId, metrics);
  },
};
