import type { NodeId } from '../../engine/index.js';

/**
 * The client requests a store node has taken up. A link may deliver a
 * message twice (`duplicate`), and a copy must not be taken up again: a
 * write applied twice can undo a later one, and a request answered `failed`
 * must never take effect, so a copy of it arriving once the node could serve
 * it is dropped too. The client has its answer from the first copy. Kept on
 * the node's disk, so copies arriving after a restart are known as well.
 */
export class RequestCopies {
  private readonly byClient: Map<NodeId, Set<number>>;

  constructor(durable: object) {
    const disk = durable as { requestsTakenUp?: Map<NodeId, Set<number>> };
    this.byClient = disk.requestsTakenUp ??= new Map();
  }

  /** True for a copy of a request this node took up before; otherwise notes the request and returns false. */
  isCopy(client: NodeId, id: number): boolean {
    let ids = this.byClient.get(client);
    if (ids === undefined) this.byClient.set(client, (ids = new Set()));
    if (ids.has(id)) return true;
    ids.add(id);
    return false;
  }
}
