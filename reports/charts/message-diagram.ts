import { parseDiagramMessage } from '../consistency/message-lanes.js';
import { formatCount } from '../format.js';
import type { FaultEvent, MessageDiagram } from '../report-types.js';
import type { Chart } from './common.js';

const LANE_PX = 112;
const LEFT_PX = 84;
const RIGHT_PX = 24;
const HEAD_PX = 118;
const FOOT_PX = 28;
const MIN_PLOT_PX = 480;
const MAX_PLOT_PX = 2400;
/** Plot height per message: dense windows get taller, so arrows stay apart. */
const PX_PER_MESSAGE = 1.2;
/** How far towards its target a dropped message is drawn before its cross. */
const DROP_REACH = 0.4;

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

const fixed = (x: number) => (Math.round(x * 10) / 10).toString();
const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A Lamport-style message diagram: one lane per node, time flowing down,
 * an arrow from each send to its delivery (coloured by message kind), and
 * messages the network dropped drawn part of the way and crossed out (also
 * those that reached a node that was down). The fault the window is centred
 * on is a red line; nodes down in the window have their lane hatched from
 * the crash, and a partition shades the rest of the window. Drawn by hand
 * as plain SVG (no chart library): equal data gives identical bytes.
 */
export function messageDiagramChart(
  diagram: MessageDiagram,
  faults: readonly FaultEvent[],
  id: string,
  subtitle?: string,
): Chart {
  const messages = diagram.messages.map(parseDiagramMessage);
  const lanes = diagram.nodes.length;
  const width = LEFT_PX + Math.max(lanes, 4) * LANE_PX + RIGHT_PX;
  const lastArrival = messages.reduce((max, m) => Math.max(max, m.arrivalUs ?? m.sentUs), diagram.toUs);
  const spanUs = Math.max(1, lastArrival - diagram.fromUs);
  const plot = Math.min(MAX_PLOT_PX, Math.max(MIN_PLOT_PX, messages.length * PX_PER_MESSAGE));
  const height = HEAD_PX + plot + FOOT_PX;
  const x = (lane: number) => LEFT_PX + (lane + 0.5) * LANE_PX;
  const y = (us: number) => HEAD_PX + ((us - diagram.fromUs) / spanUs) * plot;
  const title = 'Messages around the first fault';
  const parts: string[] = [];

  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${fixed(height)}" width="${width}" height="${fixed(height)}" role="img" aria-label="${escapeXml(title)}" font-family="${escapeXml(FONT)}">`,
    `<title>${escapeXml(title)}</title>`,
    '<defs>',
    ...diagram.kinds.map((_, k) => arrowMarker(`${id}-arrow-${k}`, KIND_COLORS[k % KIND_COLORS.length])),
    `<marker id="${id}-drop" viewBox="-5 -5 10 10" markerWidth="9" markerHeight="9" orient="auto"><path d="M-4,-4L4,4M-4,4L4,-4" stroke="${DROP_COLOR}" stroke-width="2"/></marker>`,
    `<pattern id="${id}-down" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#fee2e2"/><line x1="0" y1="0" x2="0" y2="8" stroke="#fca5a5" stroke-width="3"/></pattern>`,
    '</defs>',
    `<rect width="${width}" height="${fixed(height)}" fill="#ffffff"/>`,
  );

  const fault = diagram.fault;
  const lead = fault.detail ? `${fault.kind} ${fault.detail}` : `${fault.kind} ${fault.nodes.join(', ')}`;
  const heading = `${formatCount(messages.length)} messages from ${seconds(diagram.fromUs)} to ${seconds(diagram.toUs)}${diagram.capped ? ' (capped)' : ''}`;
  parts.push(
    `<text x="12" y="24" font-size="16" font-weight="600" fill="#1f2937">${escapeXml(title)}</text>`,
    `<text x="12" y="42" font-size="12" fill="#4b5563">${escapeXml(subtitle ? `${subtitle} · ${heading}` : heading)}</text>`,
  );
  const legend = [
    ...diagram.kinds.map((kind, k) => ({ label: kind, color: KIND_COLORS[k % KIND_COLORS.length], dashed: false })),
    { label: 'dropped / reached a down node', color: DROP_COLOR, dashed: true },
  ];
  let lx = 12;
  let ly = 62;
  for (const item of legend) {
    const w = 28 + item.label.length * 6.2;
    if (lx + w > width - 12) {
      lx = 12;
      ly += 16;
    }
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${item.color}" stroke-width="2"${item.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${lx + 24}" y="${ly}" font-size="11" fill="#1f2937">${escapeXml(item.label)}</text>`,
    );
    lx += w + 12;
  }

  // Shading first, so lanes and arrows draw over it.
  const bottom = HEAD_PX + plot;
  for (const [node, fromUs, toUs] of downSpans(faults, diagram.nodes, diagram.fromUs, lastArrival)) {
    const lane = diagram.nodes.indexOf(node);
    const top = Math.max(HEAD_PX, y(fromUs));
    parts.push(
      `<rect x="${fixed(x(lane) - LANE_PX * 0.3)}" y="${fixed(top)}" width="${fixed(LANE_PX * 0.6)}" height="${fixed(Math.min(bottom, y(toUs)) - top)}" fill="url(#${id}-down)" opacity="0.8"/>`,
    );
  }
  if (fault.kind === 'partition') {
    const healUs =
      faults.find((f) => (f.kind === 'heal' || f.kind === 'partition') && f.timeUs > fault.timeUs)?.timeUs ?? Infinity;
    const top = y(fault.timeUs);
    parts.push(
      `<rect x="${LEFT_PX}" y="${fixed(top)}" width="${width - LEFT_PX - RIGHT_PX}" height="${fixed(Math.min(bottom, y(healUs)) - top)}" fill="rgba(245, 158, 11, 0.10)"/>`,
    );
  }

  for (const t of ticks(diagram.fromUs, lastArrival)) {
    parts.push(
      `<line x1="${LEFT_PX - 6}" y1="${fixed(y(t))}" x2="${width - RIGHT_PX}" y2="${fixed(y(t))}" stroke="#f1f5f9"/>`,
      `<text x="${LEFT_PX - 10}" y="${fixed(y(t) + 4)}" font-size="11" fill="#4b5563" text-anchor="end">${escapeXml(seconds(t))}</text>`,
    );
  }
  diagram.nodes.forEach((node, lane) => {
    parts.push(
      `<line x1="${fixed(x(lane))}" y1="${HEAD_PX - 6}" x2="${fixed(x(lane))}" y2="${fixed(bottom)}" stroke="#9ca3af"/>`,
      `<text x="${fixed(x(lane))}" y="${HEAD_PX - 12}" font-size="12" font-weight="600" fill="#1f2937" text-anchor="middle">${escapeXml(node)}</text>`,
    );
  });
  parts.push(
    `<line x1="${LEFT_PX - 6}" y1="${fixed(y(fault.timeUs))}" x2="${width - RIGHT_PX}" y2="${fixed(y(fault.timeUs))}" stroke="${DROP_COLOR}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<text x="${LEFT_PX}" y="${fixed(y(fault.timeUs) - 4)}" font-size="11" font-weight="600" fill="#b91c1c" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(lead)}</text>`,
  );

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
      parts.push(
        `<g fill="none" stroke="${KIND_COLORS[k % KIND_COLORS.length]}" stroke-width="1" marker-end="url(#${id}-arrow-${k})">`,
        ...paths,
        '</g>',
      );
  });
  if (dropped.length > 0)
    parts.push(
      `<g fill="none" stroke="${DROP_COLOR}" stroke-width="1" stroke-dasharray="4 3" marker-end="url(#${id}-drop)">`,
      ...dropped,
      '</g>',
    );
  parts.push('</svg>');
  return { id, title, svg: parts.join('\n') };
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
