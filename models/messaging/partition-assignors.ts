/**
 * How a consumer group's coordinator shares a topic's partitions among its
 * members (Kafka's partition.assignment.strategy), for one topic:
 * - `range`: members in name order take contiguous runs, the first
 *   `partitions mod members` one partition more (RangeAssignor);
 * - `roundrobin`: partition p goes to member p mod members (RoundRobinAssignor);
 * - `sticky`: as balanced as the others (every member within one partition of
 *   every other), moving as few partitions as it can from their previous
 *   owners (StickyAssignor).
 * Every partition goes to exactly one member.
 */
export type Assignor = 'range' | 'roundrobin' | 'sticky';

export const ASSIGNORS = ['range', 'roundrobin', 'sticky'] as const satisfies readonly Assignor[];

/**
 * Per member (in the order of `members`, which the caller sorts by name), its
 * partitions in increasing order. `previousOwners[p]` is the member that owned
 * partition p before (or '' for none): only the sticky assignor reads it.
 */
export function assignPartitions(
  assignor: Assignor,
  members: readonly string[],
  partitions: number,
  previousOwners: readonly string[],
): number[][] {
  const m = members.length;
  if (m === 0) throw new RangeError('assignPartitions: a group without members has nothing to assign');
  const out: number[][] = members.map(() => []);
  switch (assignor) {
    case 'range': {
      const base = Math.floor(partitions / m);
      const extra = partitions % m;
      let p = 0;
      for (let i = 0; i < m; i++) for (let n = base + (i < extra ? 1 : 0); n > 0; n--) out[i].push(p++);
      break;
    }
    case 'roundrobin':
      for (let p = 0; p < partitions; p++) out[p % m].push(p);
      break;
    case 'sticky':
      sticky(out, members, partitions, previousOwners);
      break;
  }
  return out;
}

/** Keeps each member's previous partitions up to its fair share, then hands the rest to the emptiest members. */
function sticky(out: number[][], members: readonly string[], partitions: number, previousOwners: readonly string[]) {
  const m = members.length;
  const floor = Math.floor(partitions / m);
  let bigSlots = partitions % m;
  const index = new Map<string, number>();
  for (let i = 0; i < m; i++) index.set(members[i], i);
  const free: number[] = [];
  // First pass: keep up to `floor` each; second: one more for those that held more, while big slots last.
  const kept = new Array<boolean>(partitions).fill(false);
  for (let p = 0; p < partitions; p++) {
    const i = index.get(previousOwners[p] ?? '');
    if (i !== undefined && out[i].length < floor) {
      out[i].push(p);
      kept[p] = true;
    }
  }
  for (let p = 0; p < partitions; p++) {
    if (kept[p]) continue;
    const i = index.get(previousOwners[p] ?? '');
    if (i !== undefined && bigSlots > 0 && out[i].length === floor) {
      out[i].push(p);
      bigSlots--;
    } else free.push(p);
  }
  for (const p of free) {
    let target = -1;
    for (let i = 0; i < m; i++) {
      const room = out[i].length < floor || (out[i].length === floor && bigSlots > 0);
      if (room && (target < 0 || out[i].length < out[target].length)) target = i;
    }
    if (out[target].length === floor) bigSlots--;
    out[target].push(p);
  }
  for (const list of out) list.sort((a, b) => a - b);
}
