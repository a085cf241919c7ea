import { formatDurationUs, formatPercent } from './format.js';
import type { FaultEvent, FaultInterval } from './report-types.js';

/**
 * Pairs each fault with what undid it (crash→restart, pause→resume,
 * partition→heal or the next partition, degrade→restore-links), for shading
 * charts. Nodes that fail and recover together become one interval.
 */
export function faultIntervals(faults: readonly FaultEvent[], endUs: number): FaultInterval[] {
  const intervals: FaultInterval[] = [];
  const downSince = new Map<string, { kind: string; startUs: number }>();
  const degraded = new Map<string, { startUs: number; label: string }>();
  let partition: { startUs: number; label: string } | null = null;

  const close = (kind: string, label: string, startUs: number, stopUs: number) =>
    intervals.push({ kind, label, startUs, endUs: stopUs });
  const closePartition = (atUs: number) => {
    if (partition !== null) close('partition', partition.label, partition.startUs, atUs);
    partition = null;
  };

  for (const f of faults) {
    switch (f.kind) {
      case 'crash':
      case 'pause':
        for (const node of f.nodes) if (!downSince.has(node)) downSince.set(node, { kind: f.kind, startUs: f.timeUs });
        break;
      case 'restart':
      case 'resume':
        for (const node of f.nodes) {
          const down = downSince.get(node);
          if (down !== undefined && (down.kind === 'crash') === (f.kind === 'restart')) {
            downSince.delete(node);
            close(down.kind, `${down.kind} ${node}`, down.startUs, f.timeUs);
          }
        }
        break;
      case 'partition':
        closePartition(f.timeUs);
        partition = { startUs: f.timeUs, label: f.detail ?? 'partition' };
        break;
      case 'heal':
        closePartition(f.timeUs);
        break;
      case 'degrade': {
        const id = f.detail?.split(':')[0] ?? 'degrade';
        degraded.set(id, { startUs: f.timeUs, label: degradeLabel(id, f.detail) });
        break;
      }
      case 'restore-links':
        for (const [id, d] of degraded) {
          if (f.detail !== undefined && f.detail !== id) continue;
          close('degrade', d.label, d.startUs, f.timeUs);
          degraded.delete(id);
        }
        break;
      default:
        break;
    }
  }
  closePartition(endUs);
  for (const [node, down] of downSince) close(down.kind, `${down.kind} ${node}`, down.startUs, endUs);
  for (const d of degraded.values()) close('degrade', d.label, d.startUs, endUs);
  return mergeTogether(
    intervals.sort((a, b) => a.startUs - b.startUs || a.endUs - b.endUs || compareText(a.label, b.label)),
  );
}

/** "crash api-1" and "crash api-2" over the same span become "crash api-1, api-2". */
function mergeTogether(intervals: FaultInterval[]): FaultInterval[] {
  const merged: FaultInterval[] = [];
  for (const i of intervals) {
    const last = merged[merged.length - 1];
    if (
      last &&
      last.kind === i.kind &&
      last.startUs === i.startUs &&
      last.endUs === i.endUs &&
      (i.kind === 'crash' || i.kind === 'pause')
    ) {
      last.label += `, ${i.label.slice(i.kind.length + 1)}`;
    } else {
      merged.push({ ...i });
    }
  }
  return merged;
}

/** Code-unit order, never the locale's, so reports match across machines. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const MAX_FAULT_LABEL_CHARS = 32;

/**
 * A fault's label as short as a chart or a table row needs: a partition's node sets
 * become their sizes ("partition 4 | 5 nodes"), a long list of nodes its
 * count; the fault tables below the charts give every node.
 */
export function shortFaultLabel(interval: FaultInterval): string {
  const label = interval.label;
  if (label.length <= MAX_FAULT_LABEL_CHARS) return label;
  const groups = label.match(/\{[^}]*\}/g);
  if (groups !== null && groups.length > 1) {
    const sizes = groups.map((group) => group.slice(1, -1).split(',').filter(Boolean).length);
    return `${interval.kind} ${sizes.join(' | ')} nodes`;
  }
  const nodes = label.startsWith(`${interval.kind} `) ? label.slice(interval.kind.length + 1).split(', ') : [];
  if (nodes.length > 1) return `${interval.kind} ${nodes.length} nodes`;
  return `${label.slice(0, MAX_FAULT_LABEL_CHARS - 1)}…`;
}

/**
 * "degrade latency ×5, +20ms, loss 20%" from the engine's log detail
 * ("degrade#0: x5, +20000us, loss 0.2"): the generated id and a factor of 1
 * say nothing to a reader; a named degradation keeps its name.
 */
function degradeLabel(id: string, detail: string | undefined): string {
  const effects = (detail?.slice(id.length + 1) ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part !== 'x1')
    .map((part) => {
      if (part.startsWith('x')) return `latency ×${part.slice(1)}`;
      const extra = /^\+(\d+)us$/.exec(part);
      if (extra) return `+${formatDurationUs(Number(extra[1]))}`;
      const loss = /^loss ([\d.e-]+)$/.exec(part);
      if (loss) return `loss ${formatPercent(Number(loss[1]))}`;
      return part;
    });
  const name = /^degrade#\d+$/.test(id) ? 'degrade' : `degrade ${id}`;
  return effects.length === 0 ? name : `${name} ${effects.join(', ')}`;
}
