import { DROP_PARTITION } from '../../engine/network.js';
import type { CapturedMessage } from '../../models/measure/message-capture.js';
import type { FaultEvent, MessageDiagram } from '../report-types.js';

/** What the run's message capture holds once the run is over. */
export interface CapturedWindow {
  fault: FaultEvent | null;
  endUs: number | null;
  capped: boolean;
  messages(): CapturedMessage[];
}

/**
 * The message diagram's data for the report: the captured messages in send
 * order, lanes for the nodes they touch (in node order), and each message's
 * fate, a message to a node that was down when it arrived counting as lost
 * there (crash to restart, from the fault log). Null when no fault happened.
 */
export function messageDiagram(
  window: CapturedWindow,
  nodeName: (id: number) => string,
  faults: readonly FaultEvent[],
): MessageDiagram | null {
  if (window.fault === null || window.endUs === null) return null;
  const messages = window.messages();
  const ids = [...new Set(messages.flatMap((m) => [m.from, m.to]))].sort((a, b) => a - b);
  const lane = new Map(ids.map((id, i) => [id, i]));
  const kinds = [...new Set(messages.map((m) => m.kind))];
  const kindIndex = new Map(kinds.map((k, i) => [k, i]));
  const down = downIntervals(faults);
  const isDown = (node: string, atUs: number) => (down.get(node) ?? []).some(([from, to]) => atUs >= from && atUs < to);
  const rows = messages.map((m) => {
    let fate: string;
    if (m.arrivalUs >= 0) fate = isDown(nodeName(m.to), m.arrivalUs) ? 'x' : 'd';
    else fate = m.arrivalUs === DROP_PARTITION ? 'p' : 'l';
    const arrival = m.arrivalUs >= 0 ? String(Math.round(m.arrivalUs)) : '-';
    return `${Math.round(m.sentUs)} ${lane.get(m.from)} ${lane.get(m.to)} ${arrival} ${kindIndex.get(m.kind)} ${fate}`;
  });
  const { timeUs, kind, nodes, detail } = window.fault;
  return {
    fault: { timeUs, kind, nodes: [...nodes], ...(detail === undefined ? {} : { detail }) },
    fromUs: messages.length > 0 ? Math.min(Math.round(messages[0].sentUs), timeUs) : timeUs,
    toUs: Math.round(window.endUs),
    capped: window.capped,
    nodes: ids.map(nodeName),
    kinds,
    messages: rows,
  };
}

/** Per node, the [crash, restart) intervals; one with no restart lasts forever. */
function downIntervals(faults: readonly FaultEvent[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const f of faults) {
    if (f.kind !== 'crash' && f.kind !== 'restart') continue;
    for (const node of f.nodes) {
      let list = out.get(node);
      if (list === undefined) out.set(node, (list = []));
      const last = list[list.length - 1];
      if (f.kind === 'crash' && (last === undefined || last[1] !== Infinity)) list.push([f.timeUs, Infinity]);
      else if (f.kind === 'restart' && last !== undefined && last[1] === Infinity) last[1] = f.timeUs;
    }
  }
  return out;
}

/** One message of a diagram, parsed back from its line. */
export interface DiagramMessage {
  sentUs: number;
  from: number;
  to: number;
  /** null when the network dropped it. */
  arrivalUs: number | null;
  kind: number;
  fate: 'd' | 'p' | 'l' | 'x';
}

export function parseDiagramMessage(line: string): DiagramMessage {
  const [sent, from, to, arrival, kind, fate] = line.split(' ');
  return {
    sentUs: Number(sent),
    from: Number(from),
    to: Number(to),
    arrivalUs: arrival === '-' ? null : Number(arrival),
    kind: Number(kind),
    fate: fate as DiagramMessage['fate'],
  };
}
