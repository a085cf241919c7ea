import type { NodeId } from './ids.js';

/**
 * A network cut: nodes are assigned to groups and a k×k matrix says which
 * group-to-group directions are blocked. Checking a message is two array reads,
 * whatever the shape. Nodes in no group are unaffected and reach everyone.
 */
export class Cut {
  private readonly groupOf: Int32Array;
  private readonly blocked: Uint8Array;
  private readonly groupCount: number;

  /** `blocks(i, j)` says whether traffic from group i to group j is dropped. */
  constructor(
    readonly groups: readonly (readonly NodeId[])[],
    blocks: (fromGroup: number, toGroup: number) => boolean,
  ) {
    let maxId = -1;
    for (const g of groups) for (const id of g) if (id > maxId) maxId = id;
    this.groupOf = new Int32Array(maxId + 1).fill(-1);
    groups.forEach((g, i) => {
      for (const id of g) {
        if (this.groupOf[id] !== -1) throw new RangeError(`partition: node ${id} appears in more than one group`);
        this.groupOf[id] = i;
      }
    });
    this.groupCount = groups.length;
    this.blocked = new Uint8Array(this.groupCount * this.groupCount);
    for (let i = 0; i < this.groupCount; i++) {
      for (let j = 0; j < this.groupCount; j++) {
        if (i !== j && blocks(i, j)) this.blocked[i * this.groupCount + j] = 1;
      }
    }
  }

  blocks(from: NodeId, to: NodeId): boolean {
    const g = this.groupOf;
    if (from >= g.length || to >= g.length) return false;
    const gf = g[from];
    const gt = g[to];
    if (gf < 0 || gt < 0) return false;
    return this.blocked[gf * this.groupCount + gt] === 1;
  }
}

/** Every group cut from every other, both ways. */
export function splitGroups(groups: readonly (readonly NodeId[])[]): Cut {
  return new Cut(groups, () => true);
}

/** The first ⌊n/2⌋+1 nodes (in the given order) against the rest. */
export function majorityMinority(nodes: readonly NodeId[]): Cut {
  if (nodes.length < 2) throw new RangeError('partition: majority-minority needs at least 2 nodes');
  const majority = nodes.slice(0, Math.floor(nodes.length / 2) + 1);
  const minority = nodes.slice(majority.length);
  return new Cut([majority, minority], () => true);
}

/** One node cut from all the others, both ways. */
export function isolate(node: NodeId, others: readonly NodeId[]): Cut {
  const rest = others.filter((id) => id !== node);
  return new Cut([[node], rest], () => true);
}

/**
 * Two sides that cannot reach each other, and one bridge node that reaches
 * both: the shape in which two leaders can each see a majority.
 */
export function bridge(sideA: readonly NodeId[], bridgeNode: NodeId, sideB: readonly NodeId[]): Cut {
  return new Cut([sideA, [bridgeNode], sideB], (i, j) => (i === 0 && j === 2) || (i === 2 && j === 0));
}

/**
 * Nodes on a ring each reach only their neighbours within r steps, with r
 * chosen so that every node sees a majority but no two see the same one.
 */
export function ring(nodes: readonly NodeId[]): Cut {
  const n = nodes.length;
  if (n < 3) throw new RangeError('partition: a ring needs at least 3 nodes');
  const reach = Math.max(1, Math.ceil(Math.floor(n / 2) / 2));
  return new Cut(
    nodes.map((id) => [id]),
    (i, j) => {
      const d = Math.abs(i - j);
      return Math.min(d, n - d) > reach;
    },
  );
}

/** Traffic from `from` to `to` is dropped; the reverse direction still flows. */
export function oneWay(from: readonly NodeId[], to: readonly NodeId[]): Cut {
  return new Cut([from, to], (i, j) => i === 0 && j === 1);
}
