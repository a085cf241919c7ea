import { parseDiagramMessage } from '../consistency/message-lanes.js';
import { formatCount } from '../format.js';
import type { FaultEvent, MessageDiagram } from '../report-types.js';
import type { Chart } from './common.js';

const LANE_PX = 112;
const LEFT_PX = 84;
/** The column right of the lanes where fault labels go, so no arrow ever crosses one. */
const NOTES_GAP_PX = 16;
const NOTES_PX = 232;
const RIGHT_PX = 12;
const FOOT_PX = 28;
const MIN_PLOT_PX = 480;
/** With the header this keeps the whole diagram under about 1,400 px, whatever the window holds. */
export const MAX_PLOT_PX = 1200;
/** Plot height per message: busier windows get taller, so arrows stay apart. */
const PX_PER_MESSAGE = 5;
/** How far towards its target a dropped message is drawn before its cross. */
const DROP_REACH = 0.4;
const NOTE_LINE_PX = 14;
/** Characters per line of a fault label: 11 px text in the notes column. */
const NOTE_CHARS = 36;
const NOTE_MAX_LINES = 5;

export interface MessageDiagramOptions {
  /** In place of "Messages around <the centre>". */
  title?: string;
  /** Draw a line at the centre when no fault marks it (default true). */
  markCentre?: boolean;
  /** Data attributes on the root element giving the plot's place, time span and lanes, for a page drawing over it. */
  plotAttributes?: boolean;
}

const FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif";
const KIND_COLORS = [
  '#1d4ed8',
  '#0f766e',
  '#7c3aed',
  '#b45309',
  '#be123c',
  '#15803d',
  '#475569',
  '#c2410c',
  '#0e7490',
  '#a21caf',
];
const DROP_COLOR = '#dc2626';
const FAULT_COLOR = '#b91c1c';
const REPAIR_COLOR = '#15803d';
const CENTRE_COLOR = '#4b5563';
const REPAIRS: ReadonlySet<string> = new Set(['heal', 'restart', 'resume', 'restore-links']);

const fixed = (x: number) => (Math.round(x * 10) / 10).toString();
const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A Lamport-style message diagram: one lane per node, time flowing down,
 * an arrow from each send to its delivery (coloured by message kind), and
 * messages the network dropped drawn part of the way and crossed out (also
 * those that reached a node that was down). Every fault in the window is a
 * line across the lanes, labelled in a column of its own to the right;
 * nodes down in the window have their lane hatched from the crash, and a
 * partition shades the lanes until it heals. The subtitle says which
 * messages were left out. Drawn by hand as plain SVG (no chart library):
 * equal data gives identical bytes.
 */
export function messageDiagramChart(
  diagram: MessageDiagram,
  faults: readonly FaultEvent[],
  id: string,
  subtitle?: string,
  options: MessageDiagramOptions = {},
): Chart {
  const messages = diagram.messages.map(parseDiagramMessage);
  const lanes = diagram.nodes.length;
  const lanesRight = LEFT_PX + Math.max(lanes, 4) * LANE_PX;
  const notesLeft = lanesRight + NOTES_GAP_PX;
  const width = notesLeft + NOTES_PX + RIGHT_PX;
  const lastArrival = messages.reduce((max, m) => Math.max(max, m.arrivalUs ?? m.sentUs), diagram.toUs);
  const spanUs = Math.max(1, lastArrival - diagram.fromUs);
  const plot = Math.min(MAX_PLOT_PX, Math.max(MIN_PLOT_PX, messages.length * PX_PER_MESSAGE));
  const centre =
    diagram.fault === null ? seconds(diagram.atUs) : `the ${diagram.fault.kind} at ${seconds(diagram.atUs)}`;
  const title = options.title ?? `Messages around ${centre}`;
  const parts: string[] = [];

  const legend = [
    ...diagram.kinds.map((kind, k) => ({ label: kind, color: KIND_COLORS[k % KIND_COLORS.length], dashed: false })),
    { label: 'dropped / reached a down node', color: DROP_COLOR, dashed: true },
  ];
  const legendItems: string[] = [];
  let lx = 12;
  let ly = 80;
  for (const item of legend) {
    const w = 28 + item.label.length * 6.2;
    if (lx + w > width - 12) {
      lx = 12;
      ly += 16;
    }
    legendItems.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${item.color}" stroke-width="2"${item.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${lx + 24}" y="${ly}" font-size="11" fill="#1f2937">${escapeXml(item.label)}</text>`,
    );
    lx += w + 12;
  }
  const head = ly + 40;
  const bottom = head + plot;
  const height = bottom + FOOT_PX;
  const x = (lane: number) => LEFT_PX + (lane + 0.5) * LANE_PX;
  const y = (us: number) => head + ((us - diagram.fromUs) / spanUs) * plot;

  // Where the plot lies in the SVG's own units, for a page that draws over it (a cursor, a highlighted message).
  const plotData = options.plotAttributes
    ? ` data-plot-top="${head}" data-plot-height="${plot}" data-from-us="${diagram.fromUs}" data-span-us="${spanUs}" data-lane-left="${LEFT_PX}" data-lane-width="${LANE_PX}" data-lanes-right="${lanesRight}"`
    : '';
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${fixed(height)}" width="${width}" height="${fixed(height)}" role="img" aria-label="${escapeXml(title)}" font-family="${escapeXml(FONT)}"${plotData}>`,
    `<title>${escapeXml(title)}</title>`,
    '<defs>',
  );
  diagram.kinds.forEach((_, k) => parts.push(arrowMarker(`${id}-arrow-${k}`, KIND_COLORS[k % KIND_COLORS.length])));
  parts.push(
    `<marker id="${id}-drop" viewBox="-5 -5 10 10" markerWidth="9" markerHeight="9" orient="auto"><path d="M-4,-4L4,4M-4,4L4,-4" stroke="${DROP_COLOR}" stroke-width="2"/></marker>`,
    `<pattern id="${id}-down" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#fee2e2"/><line x1="0" y1="0" x2="0" y2="8" stroke="#fca5a5" stroke-width="3"/></pattern>`,
    '</defs>',
    `<rect width="${width}" height="${fixed(height)}" fill="#ffffff"/>`,
  );

  const window = `${seconds(diagram.fromUs)} to ${seconds(diagram.toUs)}`;
  parts.push(
    `<text x="12" y="24" font-size="16" font-weight="600" fill="#1f2937">${escapeXml(title)}</text>`,
    `<text x="12" y="42" font-size="12" fill="#4b5563">${escapeXml(subtitle ? `${subtitle} · ${window}` : window)}</text>`,
    `<text x="12" y="58" font-size="12" fill="#4b5563">${escapeXml(whatIsShown(diagram, messages.length))}</text>`,
  );
  for (const item of legendItems) parts.push(item);

  // Shading first, so lanes and arrows draw over it.
  for (const [node, fromUs, toUs] of downSpans(faults, diagram.nodes, diagram.fromUs, lastArrival)) {
    const lane = diagram.nodes.indexOf(node);
    const top = Math.max(head, y(fromUs));
    parts.push(
      `<rect x="${fixed(x(lane) - LANE_PX * 0.3)}" y="${fixed(top)}" width="${fixed(LANE_PX * 0.6)}" height="${fixed(Math.min(bottom, y(toUs)) - top)}" fill="url(#${id}-down)" opacity="0.8"/>`,
    );
  }
  for (const [fromUs, toUs] of partitionSpans(faults, diagram.fromUs, lastArrival)) {
    const top = Math.max(head, y(fromUs));
    parts.push(
      `<rect x="${LEFT_PX}" y="${fixed(top)}" width="${lanesRight - LEFT_PX}" height="${fixed(Math.min(bottom, y(toUs)) - top)}" fill="rgba(245, 158, 11, 0.10)"/>`,
    );
  }

  for (const t of ticks(diagram.fromUs, lastArrival)) {
    parts.push(
      `<line x1="${LEFT_PX - 6}" y1="${fixed(y(t))}" x2="${lanesRight}" y2="${fixed(y(t))}" stroke="#f1f5f9"/>`,
      `<text x="${LEFT_PX - 10}" y="${fixed(y(t) + 4)}" font-size="11" fill="#4b5563" text-anchor="end">${escapeXml(seconds(t))}</text>`,
    );
  }
  diagram.nodes.forEach((node, lane) => {
    parts.push(
      `<line x1="${fixed(x(lane))}" y1="${head - 6}" x2="${fixed(x(lane))}" y2="${fixed(bottom)}" stroke="#9ca3af"/>`,
      `<text x="${fixed(x(lane))}" y="${head - 12}" font-size="12" font-weight="600" fill="#1f2937" text-anchor="middle">${escapeXml(node)}</text>`,
    );
  });

  // One group per kind (and one for drops) carries the styling, so each message is a bare path.
  const delivered: string[][] = diagram.kinds.map(() => []);
  const dropped: string[] = [];
  for (const m of messages) {
    const x1 = x(m.from);
    const y1 = y(m.sentUs);
    if (m.fate === 'd' && m.arrivalUs !== null) {
      delivered[m.kind]?.push(`<path d="M${fixed(x1)} ${fixed(y1)}L${fixed(x(m.to))} ${fixed(y(m.arrivalUs))}"/>`);
      continue;
    }
    // Dropped on the way: part of the way, slanting as a delivery would; a message to a down node arrives, then dies.
    const reach = m.fate === 'x' ? 1 : DROP_REACH;
    const x2 = x1 + (x(m.to) - x1) * reach;
    const y2 = m.arrivalUs === null ? y1 + 10 : y1 + (y(m.arrivalUs) - y1) * reach;
    dropped.push(`<path d="M${fixed(x1)} ${fixed(y1)}L${fixed(x2)} ${fixed(y2)}"/>`);
  }
  delivered.forEach((paths, k) => {
    if (paths.length > 0)
      group(
        parts,
        `<g fill="none" stroke="${KIND_COLORS[k % KIND_COLORS.length]}" stroke-width="1" marker-end="url(#${id}-arrow-${k})">`,
        paths,
      );
  });
  if (dropped.length > 0)
    group(
      parts,
      `<g fill="none" stroke="${DROP_COLOR}" stroke-width="1" stroke-dasharray="4 3" marker-end="url(#${id}-drop)">`,
      dropped,
    );

  // Fault lines over the arrows; their labels in the notes column, pushed down so none overlaps the one above.
  const notes = faultNotes(faults, diagram, lastArrival, options.markCentre ?? true);
  const labels: string[] = [];
  let free = head;
  notes.forEach((note, i) => {
    const lineY = y(note.timeUs);
    parts.push(
      `<line x1="${LEFT_PX - 6}" y1="${fixed(lineY)}" x2="${lanesRight}" y2="${fixed(lineY)}" stroke="${note.color}" stroke-width="${note.centre ? 2 : 1.5}" stroke-dasharray="6 4"/>`,
    );
    const top = Math.max(lineY - 4, free);
    if (top + note.lines.length * NOTE_LINE_PX > height) {
      if (free + NOTE_LINE_PX <= height)
        labels.push(noteText(notesLeft, free + 11, `and ${notes.length - i} more`, CENTRE_COLOR, false));
      free = Infinity;
      return;
    }
    parts.push(
      `<path d="M${lanesRight} ${fixed(lineY)}L${notesLeft - 4} ${fixed(top + 7)}" fill="none" stroke="${note.color}" stroke-width="1"/>`,
    );
    note.lines.forEach((line, j) =>
      labels.push(noteText(notesLeft, top + 11 + j * NOTE_LINE_PX, line, note.color, j === 0)),
    );
    free = top + note.lines.length * NOTE_LINE_PX + 6;
  });
  if (labels.length > 0) group(parts, '<g class="fault-labels" font-size="11">', labels);
  parts.push('</svg>');
  return { id, title, svg: parts.join('\n') };
}

function noteText(x: number, y: number, text: string, color: string, bold: boolean): string {
  return `<text x="${x}" y="${fixed(y)}" fill="${color}"${bold ? ' font-weight="600"' : ''}>${escapeXml(text)}</text>`;
}

/** The subtitle's second line: how many messages the window held and which of them are drawn. */
function whatIsShown(diagram: MessageDiagram, drawn: number): string {
  const sent = formatCount(diagram.sent);
  const early = diagram.capped ? '; the window ends early, too busy to keep more' : '';
  if (diagram.sample === null) return `all ${sent} messages sent in the window${early}`;
  const nearest =
    diagram.sample.nearest === null ? '' : `, the ${formatCount(diagram.sample.nearest)} nearest the centre`;
  return `showing ${formatCount(drawn)} of ${sent} messages: per pair of nodes and kind, the first delivered and the first dropped in each ${duration(diagram.sample.everyUs)}${nearest}${early}`;
}

const duration = (us: number) => (us >= 1e6 ? `${us / 1e6} s` : `${us / 1e3} ms`);

interface FaultNote {
  timeUs: number;
  lines: string[];
  color: string;
  centre: boolean;
}

/** One label per time and kind of fault in the window (several nodes crashing at once share one), and the centre when no fault marks it. */
function faultNotes(
  faults: readonly FaultEvent[],
  diagram: MessageDiagram,
  endUs: number,
  markCentre: boolean,
): FaultNote[] {
  const grouped: { timeUs: number; kind: string; nodes: string[]; details: string[] }[] = [];
  for (const f of faults) {
    if (f.timeUs < diagram.fromUs || f.timeUs > endUs) continue;
    const last = grouped[grouped.length - 1];
    if (last !== undefined && last.timeUs === f.timeUs && last.kind === f.kind) {
      for (const n of f.nodes) if (!last.nodes.includes(n)) last.nodes.push(n);
      if (f.detail !== undefined && !last.details.includes(f.detail)) last.details.push(f.detail);
    } else grouped.push({ timeUs: f.timeUs, kind: f.kind, nodes: [...f.nodes], details: f.detail ? [f.detail] : [] });
  }
  const notes: FaultNote[] = grouped.map((g) => {
    // A partition's detail names its sides, and a degradation's its links; the node list adds nothing to either.
    const body =
      g.kind === 'partition' || g.kind === 'degrade' || g.nodes.length === 0
        ? g.details.join('; ')
        : `${g.nodes.join(', ')}${g.details.length > 0 ? `: ${g.details.join('; ')}` : ''}`;
    return {
      timeUs: g.timeUs,
      lines: [`${g.kind} at ${seconds(g.timeUs)}`, ...wrap(body, NOTE_CHARS, NOTE_MAX_LINES - 1)],
      color: REPAIRS.has(g.kind) ? REPAIR_COLOR : FAULT_COLOR,
      centre: diagram.fault !== null && g.timeUs === diagram.fault.timeUs && g.kind === diagram.fault.kind,
    };
  });
  if (markCentre && diagram.fault === null && !grouped.some((g) => g.timeUs === diagram.atUs)) {
    const at = notes.findIndex((n) => n.timeUs > diagram.atUs);
    const centre = {
      timeUs: diagram.atUs,
      lines: [`centre ${seconds(diagram.atUs)}`],
      color: CENTRE_COLOR,
      centre: true,
    };
    notes.splice(at < 0 ? notes.length : at, 0, centre);
  }
  return notes;
}

/** Greedy word wrap, breaking after spaces, commas and bars; the last line ends in … when text is left over. */
function wrap(text: string, chars: number, maxLines: number): string[] {
  const words = text.match(/[^\s,|]+[,|]?\s*|[,|]\s*/g) ?? [];
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line.length > 0 && (line + word).trimEnd().length > chars) {
      lines.push(line.trimEnd());
      line = '';
    }
    line += word;
  }
  if (line.trim().length > 0) lines.push(line.trimEnd());
  const out = lines.map((l) => (l.length > chars ? `${l.slice(0, chars - 1)}…` : l));
  if (out.length > maxLines) return [...out.slice(0, maxLines - 1), `${out[maxLines - 1].slice(0, chars - 1)}…`];
  return out;
}

function arrowMarker(markerId: string, color: string): string {
  return `<marker id="${markerId}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z" fill="${color}"/></marker>`;
}

/** Seconds with millisecond precision: the window spans a second or two. */
const seconds = (us: number) => `${(us / 1e6).toFixed(3)}s`;

/** Tick times at a round step, about ten over the span. */
function ticks(fromUs: number, toUs: number): number[] {
  const raw = (toUs - fromUs) / 10;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(fromUs / step) * step; t <= toUs; t += step) out.push(t);
  return out;
}

/** Partitions overlapping the window: [start, end) from each partition to the heal or the next partition. */
function partitionSpans(faults: readonly FaultEvent[], fromUs: number, endUs: number): [number, number][] {
  const spans: [number, number][] = [];
  faults.forEach((f, i) => {
    if (f.kind !== 'partition') return;
    const next = faults.slice(i + 1).find((g) => (g.kind === 'heal' || g.kind === 'partition') && g.timeUs > f.timeUs);
    spans.push([f.timeUs, next?.timeUs ?? Infinity]);
  });
  return spans.filter(([from, to]) => to >= fromUs && from <= endUs);
}

/** Nodes of the diagram down during it: [node, from, to] from crash (or pause) to restart (or resume). */
function downSpans(
  faults: readonly FaultEvent[],
  nodes: readonly string[],
  fromUs: number,
  endUs: number,
): [string, number, number][] {
  const spans: [string, number, number][] = [];
  const since = new Map<string, number>();
  for (const f of faults) {
    for (const node of f.nodes) {
      if (!nodes.includes(node)) continue;
      if (f.kind === 'crash' || f.kind === 'pause') since.set(node, f.timeUs);
      else if ((f.kind === 'restart' || f.kind === 'resume') && since.has(node)) {
        spans.push([node, since.get(node)!, f.timeUs]);
        since.delete(node);
      }
    }
  }
  for (const [node, from] of since) spans.push([node, from, endUs]);
  return spans.filter(([, from, to]) => to >= fromUs && from <= endUs);
}

/** Appends `open`, the elements, and the closing tag (a loop: there may be too many elements to pass as arguments). */
function group(parts: string[], open: string, elements: readonly string[]): void {
  parts.push(open);
  for (const element of elements) parts.push(element);
  parts.push('</g>');
}
