import { DROP_PARTITION } from '../../engine/network.js';
import { sampleKey, type CapturedMessage } from '../../models/measure/message-capture.js';
import type { FaultEvent, MessageDiagram } from '../report-types.js';

/** At most this many messages are drawn: enough to follow a protocol, few enough to tell apart. */
export const DIAGRAM_DRAWN_CAP = 240;
/** Sampling slots to try, narrowest first; only multiples of the capture's own slot keep its sample exact. */
const DRAWN_SLOTS_US = [1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000].map((ms) => ms * 1000);

/** What the run's message capture holds once the run is over. */
export interface CapturedWindow {
  fault: FaultEvent | null;
  atUs: number | null;
  fromUs: number;
  endUs: number | null;
  sent: number;
  /** 0 when every message was kept, else the capture's sampling slot. */
  slotUs: number;
  capped: boolean;
  messages(): CapturedMessage[];
}

/**
 * The message diagram's data for the report: the captured messages in send
 * order (sampled down to DIAGRAM_DRAWN_CAP: the first of each kind per pair
 * in the narrowest slot that fits, then the nearest the centre), lanes for the nodes they touch (in
 * node order), and each message's fate, a message to a node that was down
 * when it arrived counting as lost there (crash to restart, from the fault
 * log). Null when there is no window.
 */
export function messageDiagram(
  window: CapturedWindow,
  nodeName: (id: number) => string,
  faults: readonly FaultEvent[],
): MessageDiagram | null {
  if (window.atUs === null || window.endUs === null) return null;
  const atUs = window.atUs;
  const { messages, sample } = drawn(window.messages(), window.slotUs, atUs);
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
  let fault: FaultEvent | null = null;
  if (window.fault !== null) {
    const { timeUs, kind, nodes, detail } = window.fault;
    fault = { timeUs, kind, nodes: [...nodes], ...(detail === undefined ? {} : { detail }) };
  }
  return {
    fault,
    atUs: Math.round(atUs),
    fromUs: Math.round(Math.max(0, window.fromUs)),
    toUs: Math.round(window.endUs),
    sent: window.sent,
    sample,
    capped: window.capped,
    nodes: ids.map(nodeName),
    kinds,
    messages: rows,
  };
}

/** The messages to draw, in send order, and how they were picked when not all are. */
function drawn(
  all: CapturedMessage[],
  capturedSlotUs: number,
  atUs: number,
): { messages: CapturedMessage[]; sample: MessageDiagram['sample'] } {
  if (capturedSlotUs === 0 && all.length <= DIAGRAM_DRAWN_CAP) return { messages: all, sample: null };
  let messages = all;
  let everyUs = 0;
  for (const slotUs of DRAWN_SLOTS_US) {
    if (slotUs < capturedSlotUs || slotUs % Math.max(1, capturedSlotUs) !== 0) continue;
    const seen = new Set<string>();
    messages = all.filter((m) => {
      const key = sampleKey(m, atUs, slotUs);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    everyUs = slotUs;
    if (messages.length <= DIAGRAM_DRAWN_CAP) return { messages, sample: { everyUs, nearest: null } };
  }
  const nearest = new Set(
    [...messages.keys()]
      .sort((a, b) => Math.abs(messages[a].sentUs - atUs) - Math.abs(messages[b].sentUs - atUs) || a - b)
      .slice(0, DIAGRAM_DRAWN_CAP),
  );
  return {
    messages: messages.filter((_, i) => nearest.has(i)),
    sample: { everyUs, nearest: DIAGRAM_DRAWN_CAP },
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
