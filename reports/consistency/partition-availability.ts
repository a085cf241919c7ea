import type { PartitionAvailability, PartitionSide } from '../report-types.js';
import { wasAnswered, type StoreOperation } from './store-operations.js';

/** A partition's cut: the groups of node names on each side, and how long it lasted. */
export interface PartitionCut {
  startUs: number;
  endUs: number;
  groups: readonly (readonly string[])[];
}

/**
 * The sides of a cut as clients see them: each group with the replicas and
 * clients in it, named by its share of the replicas (majority, minority,
 * half, or no replicas). Clients in no group reach everyone: they make an
 * `unaffected` side. Sides without clients are left out: nobody measured them.
 */
export function partitionSides(
  cut: PartitionCut,
  replicas: ReadonlySet<string>,
  clients: readonly string[],
): PartitionSide[] {
  const total = replicas.size;
  const sides: PartitionSide[] = cut.groups.map((group) => {
    const onSide = group.filter((n) => replicas.has(n));
    const share =
      onSide.length === 0
        ? 'no replicas'
        : onSide.length * 2 > total
          ? 'majority'
          : onSide.length * 2 === total
            ? 'half'
            : 'minority';
    return {
      name: onSide.length === 0 ? share : `${share}: ${onSide.join(', ')}`,
      replicas: onSide,
      clients: clients.filter((c) => group.includes(c)),
    };
  });
  const grouped = new Set(cut.groups.flat());
  const free = clients.filter((c) => !grouped.has(c));
  if (free.length > 0) sides.push({ name: 'unaffected', replicas: [], clients: free });
  return sides.filter((s) => s.clients.length > 0);
}

/**
 * Availability per side while each partition lasted: of the operations its
 * clients finished in the interval, the share the store answered (done, or a
 * cas refused on its compare). Timeouts, unknown outcomes and refusals
 * (not the leader, no quorum) are unavailability.
 */
export function availabilityBySide(
  cuts: readonly PartitionCut[],
  replicas: ReadonlySet<string>,
  clients: readonly string[],
  operations: readonly StoreOperation[],
  clientOf: (op: StoreOperation) => string,
): PartitionAvailability[] {
  return cuts.map((cut) => ({
    startUs: cut.startUs,
    endUs: cut.endUs,
    sides: partitionSides(cut, replicas, clients).map((side) => {
      const members = new Set(side.clients);
      let finished = 0;
      let answered = 0;
      for (const op of operations) {
        if (
          op.completeUs === null ||
          op.completeUs < cut.startUs ||
          op.completeUs >= cut.endUs ||
          !members.has(clientOf(op))
        )
          continue;
        finished++;
        if (wasAnswered(op)) answered++;
      }
      return { ...side, finished, answered, availability: finished === 0 ? null : round(answered / finished) };
    }),
  }));
}

/** The same share per reporting window, over the whole run, for the clients of each side of one cut. */
export function availabilityOverTime(
  sides: readonly PartitionSide[],
  windows: readonly { startUs: number; endUs: number }[],
  operations: readonly StoreOperation[],
  clientOf: (op: StoreOperation) => string,
): (PartitionSide & { availability: (number | null)[] })[] {
  return sides.map((side) => {
    const members = new Set(side.clients);
    const finished = windows.map(() => 0);
    const answered = windows.map(() => 0);
    for (const op of operations) {
      if (op.completeUs === null || !members.has(clientOf(op))) continue;
      const w = windowIndex(windows, op.completeUs);
      if (w < 0) continue;
      finished[w]++;
      if (wasAnswered(op)) answered[w]++;
    }
    return { ...side, availability: finished.map((f, i) => (f === 0 ? null : round(answered[i] / f))) };
  });
}

/** The window holding `timeUs`, or -1; windows are contiguous and in order, the last one closed at its end. */
export function windowIndex(windows: readonly { startUs: number; endUs: number }[], timeUs: number): number {
  if (windows.length === 0 || timeUs < windows[0].startUs || timeUs > windows[windows.length - 1].endUs) return -1;
  let lo = 0;
  let hi = windows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (windows[mid].startUs <= timeUs) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const round = (x: number) => Number(x.toFixed(6));
