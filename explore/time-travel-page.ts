import { messageDiagramChart } from '../reports/charts/message-diagram.js';
import { faultIntervals, shortFaultLabel } from '../reports/fault-intervals.js';
import { formatCount, formatTimestampUs } from '../reports/format.js';
import { escapeHtml, htmlPage } from '../reports/html-elements.js';
import { REPORT_STYLE } from '../reports/html-report.js';
import type { FaultEvent, MessageDiagram } from '../reports/report-types.js';
import type { TimeTravelRecording } from './time-travel-recording.js';

/** What the page says of the run the window comes from. */
export interface TimeTravelMeta {
  scenario: string;
  /** null for a scenario without variants. */
  variant: string | null;
  seed: number | string;
  version: string;
  /** The whole run's trace hash. */
  traceHash: string;
}

/** Messages per diagram part: each part stays readable, and the page shows the one holding the current step. */
const MESSAGES_PER_PART = 150;

/** Faults that undo another: they end an interval on the timeline rather than start one. */
const INTERVAL_KINDS: ReadonlySet<string> = new Set([
  'crash',
  'pause',
  'restart',
  'resume',
  'partition',
  'heal',
  'degrade',
  'restore-links',
]);

/** What ends an interval: its undoing, or the next partition replacing one. */
const UNDOING_KINDS: ReadonlySet<string> = new Set(['restart', 'resume', 'heal', 'restore-links', 'partition']);

/**
 * A self-contained page for stepping through a recorded window: a slider and
 * step buttons (and keys) move through its events; the event in words, every
 * node's state (what changed highlighted), the faults in force and the message
 * diagram follow. Inline CSS and script, the recording embedded as JSON,
 * nothing fetched. Equal recordings give identical pages.
 */
export function timeTravelPage(recording: TimeTravelRecording, meta: TimeTravelMeta): string {
  const endUs = recording.cut?.timeUs ?? recording.window.toUs;
  const faults: FaultEvent[] = [
    ...recording.start.faults,
    ...recording.steps.flatMap((s) =>
      s.faults.map((f) => ({
        timeUs: f.timeUs,
        kind: f.fault ?? 'fault',
        nodes: f.nodes ?? [],
        ...(f.detail === undefined ? {} : { detail: f.detail }),
      })),
    ),
  ];
  // Positions rather than times: a fault is in force from the step applying it, not from the first event at its time.
  const appliedAt = (timeUs: number, kinds: ReadonlySet<string>): number => {
    const i = recording.steps.findIndex(
      (st) => st.event.timeUs === timeUs && st.faults.some((f) => kinds.has(f.fault ?? '')),
    );
    return i >= 0 ? i + 1 : timeUs < recording.window.fromUs ? 0 : recording.steps.length + 1;
  };
  const intervals = faultIntervals(faults, endUs)
    .filter((i) => i.endUs >= recording.window.fromUs)
    .map((i) => ({
      ...i,
      shortLabel: shortFaultLabel(i),
      fromStep: appliedAt(i.startUs, new Set([i.kind])),
      // Open to the end when nothing in the window undid it (faultIntervals closes it at the window's end).
      toStep: i.endUs >= endUs ? null : appliedAt(i.endUs, UNDOING_KINDS),
    }));
  const instants = faults
    .filter((f) => !INTERVAL_KINDS.has(f.kind) && f.timeUs >= recording.window.fromUs)
    .map((f) => ({
      kind: f.kind,
      label: faultLabel(f),
      timeUs: f.timeUs,
      step: appliedAt(f.timeUs, new Set([f.kind])),
    }));
  const parts = diagramParts(recording, faults, meta);
  const data = {
    recording,
    faults: { intervals, instants, fromUs: recording.window.fromUs, endUs },
  };
  const name = meta.variant === null ? meta.scenario : `${meta.scenario} · ${meta.variant}`;
  return htmlPage({
    title: `${name} · time travel ${formatTimestampUs(recording.window.fromUs)}–${formatTimestampUs(recording.window.toUs)}`,
    style: REPORT_STYLE + PAGE_STYLE,
    body: [
      header(recording, meta, name),
      controls(recording),
      stepSection(),
      faultSection(intervals.length + instants.length),
      diagramSection(parts, recording),
      `<script>${PAGE_SCRIPT}</script>`,
    ].join('\n'),
    footer: `<footer><p>Written by faultline ${escapeHtml(meta.version)} from seed ${escapeHtml(String(meta.seed))} (run trace hash <code class="hash">${escapeHtml(meta.traceHash)}</code>). The page is self-contained: it loads nothing, and the recording it shows is the JSON at its end (<code>#time-travel-data</code>).</p></footer>`,
    dataId: 'time-travel-data',
    data,
  });
}

function header(recording: TimeTravelRecording, meta: TimeTravelMeta, name: string): string {
  const { window, steps, sends, cut, start } = recording;
  const from = formatTimestampUs(window.fromUs);
  const to = formatTimestampUs(window.toUs);
  const facts: [string, string][] = [
    ['window', `${from} to ${to}`],
    ['events', formatCount(steps.length)],
    ['messages sent', formatCount(sends.length)],
    ['seed', escapeHtml(String(meta.seed))],
    ['faultline', escapeHtml(meta.version)],
    ['trace hash', `<code class="hash">${escapeHtml(meta.traceHash)}</code>`],
  ];
  const cutNote =
    cut === null
      ? ''
      : `<div class="warnings" id="tt-cut"><p>The window was cut short at ${formatTimestampUs(cut.timeUs)} (event ${cut.index}), after its first ${formatCount(window.maxEvents)} events: what happens from there to ${to} is not shown. Ask for a shorter window, or one starting there.</p></div>`;
  return `<header>
<p class="eyebrow">faultline · time-travel viewer</p>
<h1>${escapeHtml(name)}</h1>
<p class="lede">Every event the simulation handled between ${from} and ${to} of simulated time, replayed from the seed, one step at a time. Move with the slider, the buttons or the <kbd>←</kbd> <kbd>→</kbd> keys (<kbd>Home</kbd> and <kbd>End</kbd> go to the ends, <kbd>[</kbd> and <kbd>]</kbd> to the previous and next fault). The event in words, the state of every node (what the step changed is highlighted), the faults in force and the message diagram follow. Step 0 is the window's start, before its first event: ${formatCount(start.messagesInFlight)} messages were then in flight and ${formatCount(start.timersPending)} timers pending.</p>
<dl class="facts">${facts.map(([t, v]) => `<div><dt>${escapeHtml(t)}</dt><dd>${v}</dd></div>`).join('')}</dl>
${cutNote}
</header>`;
}

function controls(recording: TimeTravelRecording): string {
  const last = recording.steps.length;
  const noFaults = recording.steps.some((s) => s.faults.length > 0) ? '' : ' disabled';
  return `<div class="tt-controls" id="tt-controls" role="group" aria-label="Move through the window's events">
<div class="tt-buttons">
<button type="button" id="tt-first" title="The window's start (Home)" aria-label="Go to the window's start">|◀ Start</button>
<button type="button" id="tt-back" title="One event back (←)">◀ Step back</button>
<button type="button" id="tt-forward" title="One event forward (→)">Step forward ▶</button>
<button type="button" id="tt-last" title="The window's last event (End)" aria-label="Go to the last event">End ▶|</button>
<button type="button" id="tt-prev-fault" title="The previous fault ([)"${noFaults}>◆ Previous fault</button>
<button type="button" id="tt-next-fault" title="The next fault (])"${noFaults}>Next fault ◆</button>
</div>
<input type="range" id="tt-slider" min="0" max="${last}" step="1" value="0" aria-label="Step">
<p class="tt-position" id="tt-position" aria-live="polite"></p>
</div>`;
}

function stepSection(): string {
  return `<div class="tt-grid">
<section id="tt-step-section" aria-labelledby="tt-step-heading">
<h2 id="tt-step-heading">This step</h2>
<div class="card tt-event" id="tt-event"></div>
</section>
<section id="tt-nodes-section" aria-labelledby="tt-nodes-heading">
<h2 id="tt-nodes-heading">Nodes after it</h2>
<div class="table-wrap"><table class="tt-nodes">
<thead><tr><th scope="col">Node</th><th scope="col">Status</th><th scope="col" class="num">Clock</th><th scope="col">State (the model's <code>inspect()</code>)</th></tr></thead>
<tbody id="tt-nodes"></tbody>
</table></div>
<p class="note"><span class="field changed"><span class="k">field</span> value</span> changed at this step; a row marked ● is the node the event was for. Clock is the node's clock minus true time.</p>
</section>
</div>`;
}

function faultSection(count: number): string {
  const body =
    count === 0
      ? '<p class="note">No fault was in force in this window.</p>'
      : '<div class="card tt-timeline" id="tt-faults"></div><p class="note">Bars are faults in force (a crash until its restart, a partition until it heals, …); diamonds are instant faults (clock jumps). Those in force at the current step are highlighted; the blue line is the current time.</p>';
  return `<section id="tt-fault-section" aria-labelledby="tt-faults-heading">
<h2 id="tt-faults-heading">Faults</h2>
${body}
</section>`;
}

interface DiagramPart {
  firstStep: number;
  lastStep: number;
  svg: string;
}

function diagramSection(parts: DiagramPart[], recording: TimeTravelRecording): string {
  if (recording.sends.length === 0)
    return `<section id="tt-diagram-section" aria-labelledby="tt-diagram-heading"><h2 id="tt-diagram-heading">Messages</h2><p class="note">No message was sent in this window.</p></section>`;
  // Scaled to the page's width, but to no less than 3/4 of its own: with many lanes the box scrolls sideways instead.
  const minWidth = (svg: string) => Math.round(0.75 * Number(/ width="(\d+)"/.exec(svg)?.[1] ?? 0));
  const figures = parts
    .map(
      (p, i) =>
        `<figure class="chart tt-part" id="tt-part-${i}" data-first-step="${p.firstStep}" data-last-step="${p.lastStep}" style="min-width:${minWidth(p.svg)}px"${i === 0 ? '' : ' hidden'}>${p.svg}</figure>`,
    )
    .join('\n');
  const split =
    parts.length > 1
      ? ` The window's ${formatCount(recording.sends.length)} messages are drawn in ${parts.length} parts of about ${MESSAGES_PER_PART}; the part holding the current step is shown.`
      : '';
  return `<section id="tt-diagram-section" aria-labelledby="tt-diagram-heading">
<h2 id="tt-diagram-heading">Messages</h2>
<p class="note" id="tt-part-note">Time flows down. The blue line is the current step's time; the message it delivered and those it sent are drawn thick in yellow.${split}</p>
<div class="tt-diagram" id="tt-diagram">
${figures}
</div>
</section>`;
}

/** The window's sends as message diagrams of about MESSAGES_PER_PART each, split between steps. */
function diagramParts(
  recording: TimeTravelRecording,
  faults: readonly FaultEvent[],
  meta: TimeTravelMeta,
): DiagramPart[] {
  const { steps, sends } = recording;
  if (sends.length === 0) return [];
  const nodes = recording.start.nodes.map((n) => n.name);
  const lane = new Map(nodes.map((n, i) => [n, i]));
  const kinds = [...new Set(sends.map((s) => s.type ?? 'untyped'))];
  const kindIndex = new Map(kinds.map((k, i) => [k, i]));
  const bounds: [number, number][] = [];
  let first = 0;
  let count = 0;
  steps.forEach((step, i) => {
    if (count > 0 && count + step.sendCount > MESSAGES_PER_PART) {
      bounds.push([first, i - 1]);
      first = i;
      count = 0;
    }
    count += step.sendCount;
  });
  bounds.push([first, steps.length - 1]);
  const endUs = recording.cut?.timeUs ?? recording.window.toUs;
  return bounds.map(([firstStep, lastStep], part) => {
    const fromUs = part === 0 ? recording.window.fromUs : steps[firstStep].event.timeUs;
    const toUs = part === bounds.length - 1 ? endUs : steps[lastStep + 1].event.timeUs;
    const own = sends.slice(steps[firstStep].firstSend, steps[lastStep].firstSend + steps[lastStep].sendCount);
    const messages = own.map((s) => {
      let fate = 'd';
      if (s.dropped === 'partition') fate = 'p';
      else if (s.dropped === 'loss') fate = 'l';
      else if (s.deliveredAt !== undefined && steps[s.deliveredAt].event.dropped === 'node-down') fate = 'x';
      const arrival = s.arrivalUs === undefined ? '-' : String(s.arrivalUs);
      return `${s.timeUs} ${lane.get(s.node!)} ${lane.get(s.to!)} ${arrival} ${kindIndex.get(s.type ?? 'untyped')} ${fate}`;
    });
    const diagram: MessageDiagram = {
      fault: null,
      atUs: fromUs,
      fromUs,
      toUs,
      sent: own.length,
      sample: null,
      capped: false,
      nodes,
      kinds,
      messages,
    };
    const subtitle =
      bounds.length > 1 ? `part ${part + 1} of ${bounds.length}, steps ${firstStep + 1} to ${lastStep + 1}` : undefined;
    const title = `Messages of ${meta.variant === null ? meta.scenario : `${meta.scenario} · ${meta.variant}`}`;
    const chart = messageDiagramChart(diagram, faults, `tt-part-${part}`, subtitle, {
      title,
      markCentre: false,
      plotAttributes: true,
    });
    return { firstStep: firstStep + 1, lastStep: lastStep + 1, svg: chart.svg };
  });
}

function faultLabel(f: FaultEvent): string {
  const nodes = f.nodes.join(', ');
  return [f.kind, nodes, f.detail ?? ''].filter((s) => s !== '').join(' ');
}

const PAGE_STYLE = `
main, footer { max-width: 1360px; }
kbd { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85em; border: 1px solid #cbd5e1; border-bottom-width: 2px; border-radius: 4px; padding: 0 4px; background: #fff; }
.lede { max-width: 110ch; }
.tt-controls { position: sticky; top: 0; z-index: 5; background: var(--bg); border-bottom: 1px solid var(--line); padding: 10px 0 8px; display: grid; grid-template-columns: minmax(0, 1fr); gap: 6px; }
.tt-buttons { display: flex; flex-wrap: wrap; gap: 6px; }
.tt-controls button { font: inherit; font-size: 14px; padding: 5px 11px; border: 1px solid #94a3b8; border-radius: 6px; background: #fff; color: var(--text); cursor: pointer; white-space: nowrap; }
.tt-controls button:hover:not(:disabled) { background: #eff6ff; border-color: var(--accent); }
.tt-controls button:disabled { opacity: .45; cursor: default; }
#tt-slider { width: 100%; min-width: 0; accent-color: var(--accent); }
.tt-position { margin: 0; font-size: 14px; font-variant-numeric: tabular-nums; }
.tt-grid { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 7fr); gap: 0 24px; }
.tt-grid h2 { margin-top: 20px; }
.tt-event p { margin: 0 0 8px; }
.tt-event .what { font-size: 16px; }
.tt-event ul { margin: 4px 0 8px; padding-left: 1.2em; font-size: 14px; }
.tt-event li { margin: 0 0 2px; overflow-wrap: anywhere; }
.tt-event .dropped { color: var(--fail); font-weight: 600; }
.tt-event .held { color: #92400e; font-weight: 600; }
.tt-event .fault { color: var(--fail); font-weight: 700; }
.tt-nodes td { vertical-align: middle; }
.tt-nodes td:first-child { white-space: nowrap; }
.tt-nodes .instance { display: block; color: var(--muted); font-size: 12px; }
.tt-nodes tr.current td { box-shadow: inset 0 0 0 9999px rgba(29, 78, 216, .07); }
.tt-nodes tr.current td:first-child { border-left: 4px solid var(--accent); }
.tt-nodes tr.is-down td { background: #fef2f2; }
.tt-nodes tr.is-paused td { background: #fffbeb; }
.tt-nodes td.changed-cell { outline: 2px solid #f59e0b; outline-offset: -2px; }
.status { display: inline-block; min-width: 5.5em; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 700; border: 1px solid currentColor; text-align: center; white-space: nowrap; }
.status.up { color: var(--pass); background: var(--pass-bg); }
.status.down { color: #fff; background: var(--fail); border-color: var(--fail); }
.status.paused { color: #92400e; background: #fef3c7; }
.fields { display: flex; flex-wrap: wrap; gap: 4px; }
.field { display: inline-block; padding: 0 6px; border-radius: 4px; background: #f1f5f9; border: 1px solid var(--line); font-size: 13px; font-variant-numeric: tabular-nums; max-width: 100%; overflow-wrap: anywhere; }
.field .k { color: var(--muted); margin-right: 3px; }
.field.changed { background: #fef3c7; border-color: #f59e0b; font-weight: 600; }
.field.gone { text-decoration: line-through; color: var(--muted); }
.field.none { color: var(--muted); background: transparent; }
.tt-timeline { padding: 10px 14px; position: relative; }
.tt-frow { display: grid; grid-template-columns: minmax(8em, 16em) 1fr 7em; gap: 10px; align-items: center; padding: 3px 4px; border-radius: 4px; font-size: 13px; }
.tt-frow.active { background: #fee2e2; font-weight: 600; }
.tt-frow.now { outline: 2px solid #f59e0b; }
.tt-frow .label { overflow-wrap: anywhere; }
.tt-frow .state { color: var(--muted); font-size: 12px; text-align: right; white-space: nowrap; }
.tt-frow.active .state { color: var(--fail); }
.tt-track { position: relative; height: 14px; background: #f8fafc; border: 1px solid var(--line); border-radius: 3px; }
.tt-bar { position: absolute; top: 2px; bottom: 2px; background: #fca5a5; border-radius: 2px; }
.tt-frow.active .tt-bar { background: #dc2626; }
.tt-instant { position: absolute; top: 1px; width: 10px; height: 10px; margin-left: -5px; background: #7c3aed; transform: rotate(45deg); }
.tt-cursor { position: absolute; top: -2px; bottom: -2px; width: 2px; margin-left: -1px; background: var(--accent); }
.tt-axis { display: grid; grid-template-columns: minmax(8em, 16em) 1fr 7em; gap: 10px; font-size: 12px; color: var(--muted); padding: 0 4px; }
.tt-axis .ends { display: flex; justify-content: space-between; }
.tt-diagram { max-height: 80vh; overflow: auto; border-radius: 8px; }
.tt-diagram figure.chart { margin: 0; }
@media (max-width: 1100px) {
  .tt-grid { grid-template-columns: minmax(0, 1fr); }
}
@media (max-width: 700px) {
  .tt-frow, .tt-axis { grid-template-columns: minmax(6em, 10em) 1fr; }
  .tt-frow .state, .tt-axis > :last-child { display: none; }
}
`;

/**
 * The page's script: rebuilds node states from the recorded changes (from a
 * checkpoint every 100 steps, so a jump anywhere is quick), and redraws the
 * step's description, the node table, the fault timeline and the diagram's
 * cursor. Every recorded string reaches the page as text, never as markup.
 */
const PAGE_SCRIPT = `
// The recording is embedded after this script, at the end of the page.
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  var data = JSON.parse(document.getElementById('time-travel-data').textContent);
  var rec = data.recording;
  var steps = rec.steps;
  var sends = rec.sends;
  var last = steps.length;
  var nodeNames = rec.start.nodes.map(function (n) { return n.name; });
  var laneOf = {};
  nodeNames.forEach(function (n, i) { laneOf[n] = i; });
  var faultSteps = [];
  steps.forEach(function (s, i) { if (s.faults.length > 0) faultSteps.push(i + 1); });

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function seconds(us) { return (us / 1e6).toFixed(6) + ' s'; }
  function stamp(us) { return (us / 1e6).toFixed(3) + ' s'; }
  function span(us) {
    var a = Math.abs(us);
    if (a >= 1e6) return (us / 1e6).toFixed(3) + ' s';
    if (a >= 1e3) return (us / 1e3).toFixed(a >= 1e5 ? 0 : 1) + ' ms';
    return us + ' µs';
  }
  function bytes(n) { return n === undefined ? '' : ' (' + n + ' B)'; }
  function code(text) { return text === undefined ? 'a message' : '<code>' + esc(text) + '</code>'; }
  function node(name) { return '<b>' + esc(name) + '</b>'; }

  // ---- node states ----------------------------------------------------------
  var CHECKPOINT = 100;
  function copyNodes(nodes) {
    return nodes.map(function (n) {
      return { name: n.name, instance: n.instance, type: n.type, status: n.status, clockOffsetUs: n.clockOffsetUs,
        state: n.state === null ? null : Object.assign({}, n.state) };
    });
  }
  function apply(nodes, step) {
    step.changes.forEach(function (c) {
      var n = nodes[laneOf[c.node]];
      if (c.status !== undefined) n.status = c.status;
      if (c.clockOffsetUs !== undefined) n.clockOffsetUs = c.clockOffsetUs;
      if (c.cleared) n.state = null;
      if (c.set !== undefined || c.removed !== undefined) {
        var state = Object.assign({}, n.state || {}, c.set || {});
        (c.removed || []).forEach(function (f) { delete state[f]; });
        n.state = state;
      }
    });
  }
  var checkpoints = [copyNodes(rec.start.nodes)];
  (function () {
    var nodes = copyNodes(rec.start.nodes);
    for (var i = 0; i < last; i++) {
      apply(nodes, steps[i]);
      if ((i + 1) % CHECKPOINT === 0) checkpoints.push(copyNodes(nodes));
    }
  })();
  function statesAt(position) {
    var k = Math.floor(position / CHECKPOINT);
    var nodes = copyNodes(checkpoints[k]);
    for (var i = k * CHECKPOINT; i < position; i++) apply(nodes, steps[i]);
    return nodes;
  }

  // ---- the step in words ----------------------------------------------------
  function sendText(s) {
    var text = '→ ' + node(s.to) + ' ' + code(s.type) + bytes(s.sizeBytes);
    if (s.dropped === 'partition') return text + ' <span class="dropped">dropped: a partition cuts the link</span>';
    if (s.dropped === 'loss') return text + ' <span class="dropped">dropped: lost on the link</span>';
    var fate = '';
    if (s.deliveredAt !== undefined && steps[s.deliveredAt].event.dropped === 'node-down')
      fate = ' <span class="dropped">(finds ' + esc(s.to) + ' down)</span>';
    return text + ', arrives at ' + seconds(s.arrivalUs) + ' (in ' + span(s.arrivalUs - s.timeUs) + ')' +
      (s.deliveredAt !== undefined ? ', step ' + (s.deliveredAt + 1) : ', after the window') + fate;
  }
  function faultText(f) {
    var what = '<span class="fault">' + esc(f.fault) + '</span>';
    // A partition's or a degradation's detail names its sides or links; its list of nodes adds nothing.
    var namesNodes = !((f.fault === 'partition' || f.fault === 'degrade') && f.detail);
    if (namesNodes && f.nodes && f.nodes.length > 0) what += ' ' + f.nodes.map(node).join(', ');
    if (f.detail) what += ': ' + esc(f.detail);
    return what;
  }
  function describe(position) {
    if (position === 0) {
      return '<p class="what">The window\\'s start, ' + seconds(rec.window.fromUs) + ': nothing in it has happened yet.</p>' +
        '<p>' + rec.start.events + ' events came before it; ' + rec.start.messagesInFlight + ' messages were in flight and ' +
        rec.start.timersPending + ' timers pending. Step forward to handle the first event.</p>';
    }
    var step = steps[position - 1];
    var e = step.event;
    var html = '';
    if (e.kind === 'deliver') {
      html += '<p class="what">' + node(e.node) + ' receives ' + code(e.type) + bytes(e.sizeBytes) + ' from ' + node(e.from) + '.</p>';
      if (step.sendIndex !== undefined) {
        var s = sends[step.sendIndex];
        html += '<p>Sent at ' + seconds(s.timeUs) + ' (step ' + (s.step + 1) + '), ' + span(e.timeUs - s.timeUs) + ' on the way.</p>';
      } else html += '<p>Sent before the window.</p>';
      if (e.dropped === 'node-down') html += '<p class="dropped">Dropped: ' + esc(e.node) + ' is down, so nothing runs.</p>';
      if (e.held) html += '<p class="held">Held: ' + esc(e.node) + ' is paused; the message waits until it resumes.</p>';
    } else if (e.kind === 'timer') {
      html += '<p class="what">A timer of ' + node(e.node) + ' fires' + (e.type ? ' (' + code(e.type) + ')' : '') + ', tag ' + e.tag + '.</p>';
      if (e.ignored) html += '<p class="dropped">Ignored: it was set before ' + esc(e.node) + ' last crashed, so nothing runs.</p>';
      if (e.held) html += '<p class="held">Held: ' + esc(e.node) + ' is paused; the timer waits until it resumes.</p>';
    } else if (e.kind === 'start') {
      html += '<p class="what">' + node(e.node) + ' starts.</p>';
      if (e.ignored) html += '<p class="dropped">Ignored: the node is down.</p>';
      if (e.held) html += '<p class="held">Held: the node is paused.</p>';
    } else {
      html += step.faults.length > 0
        ? '<p class="what">The fault schedule acts.</p>'
        : '<p class="what">An engine call: the harness or a workload\\'s schedule (no fault).</p>';
    }
    if (step.faults.length > 0)
      html += '<p>Faults:</p><ul>' + step.faults.map(function (f) { return '<li>' + faultText(f) + '</li>'; }).join('') + '</ul>';
    if (step.sendCount > 0) {
      var shown = Math.min(step.sendCount, 20);
      html += '<p>' + (e.node ? esc(e.node) + ' sends ' : 'Sent: ') + step.sendCount + (step.sendCount === 1 ? ' message:' : ' messages:') + '</p><ul>';
      for (var i = 0; i < shown; i++) html += '<li>' + sendText(sends[step.firstSend + i]) + '</li>';
      if (step.sendCount > shown) html += '<li>and ' + (step.sendCount - shown) + ' more</li>';
      html += '</ul>';
    } else if (e.kind !== 'call' && !e.dropped && !e.ignored && !e.held) html += '<p class="muted">It sends nothing.</p>';
    var changed = step.changes.map(function (c) { return c.node; });
    html += '<p class="muted small">Event ' + e.index + ' of the run · ' + esc(e.kind) + ' · trace hash after it …' + esc(e.hash || '') +
      (changed.length > 0 ? ' · changed ' + changed.map(esc).join(', ') : ' · changed no node\\'s state') + '</p>';
    return html;
  }

  // ---- the node table -------------------------------------------------------
  var STATUS = { up: '● up', down: '✕ down', paused: '❚❚ paused' };
  // Objects read as "key value, key value" (nested ones in braces), null as a dash: shorter than JSON, and plainer.
  function plain(v) {
    if (v === null) return '—';
    if (Array.isArray(v)) return '[' + v.map(plain).join(', ') + ']';
    if (typeof v === 'object')
      return Object.keys(v).map(function (k) {
        var inner = v[k];
        return k + ' ' + (inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? '{' + plain(inner) + '}' : plain(inner));
      }).join(', ');
    return String(v);
  }
  function value(v) {
    var text = plain(v);
    return text.length > 100 ? '<span title="' + esc(text) + '">' + esc(text.slice(0, 99)) + '…</span>' : esc(text);
  }
  function nodeRows(position) {
    var nodes = statesAt(position);
    var step = position > 0 ? steps[position - 1] : null;
    var changes = {};
    if (step) step.changes.forEach(function (c) { changes[c.node] = c; });
    var target = step ? step.event.node : undefined;
    return nodes.map(function (n) {
      var c = changes[n.name];
      var cls = ['is-' + n.status];
      if (n.name === target) cls.push('current');
      var fields;
      if (n.state === null) fields = '<span class="muted">' + (n.status === 'down' ? 'no process: the node is down' : 'not started yet') + '</span>';
      else {
        var keys = Object.keys(n.state);
        var parts = keys.map(function (k) {
          var changed = c && c.set && Object.prototype.hasOwnProperty.call(c.set, k);
          return '<span class="field' + (changed ? ' changed' : '') + (n.state[k] === null ? ' none' : '') + '" data-field="' + esc(k) + '"><span class="k">' + esc(k) + '</span>' + value(n.state[k]) + '</span>';
        });
        ((c && c.removed) || []).forEach(function (k) {
          parts.push('<span class="field gone changed"><span class="k">' + esc(k) + '</span>gone</span>');
        });
        fields = parts.length > 0 ? '<div class="fields">' + parts.join('') + '</div>' : '<span class="muted">its model reports no state</span>';
      }
      var clock = n.clockOffsetUs === 0 ? '<span class="muted">in sync</span>' : (n.clockOffsetUs > 0 ? '+' : '−') + span(Math.abs(n.clockOffsetUs));
      return '<tr data-node="' + esc(n.name) + '" data-status="' + n.status + '" class="' + cls.join(' ') + '">' +
        '<td>' + (n.name === target ? '● ' : '') + '<b>' + esc(n.name) + '</b><span class="instance">' + esc(n.instance) + ' · ' + esc(n.type) + '</span></td>' +
        '<td' + (c && c.status !== undefined ? ' class="changed-cell"' : '') + '><span class="status ' + n.status + '">' + STATUS[n.status] + '</span></td>' +
        '<td class="num' + (c && c.clockOffsetUs !== undefined ? ' changed-cell' : '') + '">' + clock + '</td>' +
        '<td' + (c && c.cleared ? ' class="changed-cell"' : '') + '>' + fields + '</td></tr>';
    }).join('');
  }

  // ---- the fault timeline ---------------------------------------------------
  var ft = data.faults;
  var faultBox = document.getElementById('tt-faults');
  var spanUs = Math.max(1, ft.endUs - ft.fromUs);
  function pct(us) { return Math.max(0, Math.min(100, ((us - ft.fromUs) / spanUs) * 100)); }
  if (faultBox) {
    var rows = '';
    ft.intervals.forEach(function (f, i) {
      var when = f.toStep === null ? 'since ' + stamp(f.startUs) : stamp(f.startUs) + ' to ' + stamp(f.endUs);
      rows += '<div class="tt-frow" data-interval="' + i + '"><span class="label" title="' + esc(f.label) + '">' + esc(f.shortLabel) +
        '<span class="muted small"> · ' + when + '</span></span>' +
        '<span class="tt-track"><span class="tt-bar" style="left:' + pct(f.startUs) + '%;width:' + Math.max(0.4, pct(f.endUs) - pct(f.startUs)) + '%"></span><span class="tt-cursor"></span></span>' +
        '<span class="state"></span></div>';
    });
    ft.instants.forEach(function (f, i) {
      rows += '<div class="tt-frow" data-instant="' + i + '"><span class="label">' + esc(f.label) + '</span>' +
        '<span class="tt-track"><span class="tt-instant" style="left:' + pct(f.timeUs) + '%"></span><span class="tt-cursor"></span></span>' +
        '<span class="state"></span></div>';
    });
    rows += '<div class="tt-axis"><span></span><span class="ends"><span>' + stamp(ft.fromUs) + '</span><span>' + stamp(ft.endUs) + '</span></span><span></span></div>';
    faultBox.innerHTML = rows;
  }
  function showFaults(timeUs, position) {
    if (!faultBox) return;
    faultBox.querySelectorAll('.tt-cursor').forEach(function (el) { el.style.left = pct(timeUs) + '%'; });
    ft.intervals.forEach(function (f, i) {
      var row = faultBox.querySelector('[data-interval="' + i + '"]');
      var active = position >= f.fromStep && (f.toStep === null || position < f.toStep);
      row.classList.toggle('active', active);
      row.classList.toggle('now', position > 0 && (position === f.fromStep || position === f.toStep));
      row.setAttribute('data-in-force', String(active));
      row.querySelector('.state').textContent = active ? 'in force' : position < f.fromStep ? 'to come' : 'over';
    });
    ft.instants.forEach(function (f, i) {
      var row = faultBox.querySelector('[data-instant="' + i + '"]');
      var now = position === f.step;
      row.classList.toggle('now', now);
      row.classList.toggle('active', now);
      row.querySelector('.state').textContent = now ? 'now' : position < f.step ? 'to come' : 'done';
    });
  }

  // ---- the diagram ----------------------------------------------------------
  var SVGNS = 'http://www.w3.org/2000/svg';
  var partFigures = Array.prototype.slice.call(document.querySelectorAll('.tt-part'));
  var diagramBox = document.getElementById('tt-diagram');
  function partFor(position) {
    for (var i = 0; i < partFigures.length; i++)
      if (position <= Number(partFigures[i].getAttribute('data-last-step'))) return i;
    return partFigures.length - 1;
  }
  function overlay(svg) {
    var g = svg.querySelector('g.tt-overlay');
    if (!g) {
      g = document.createElementNS(SVGNS, 'g');
      g.setAttribute('class', 'tt-overlay');
      svg.appendChild(g);
    }
    while (g.firstChild) g.removeChild(g.firstChild);
    return g;
  }
  function line(g, x1, y1, x2, y2, attrs) {
    var el = document.createElementNS(SVGNS, 'line');
    el.setAttribute('x1', x1); el.setAttribute('y1', y1); el.setAttribute('x2', x2); el.setAttribute('y2', y2);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    g.appendChild(el);
    return el;
  }
  function showDiagram(timeUs, position) {
    if (partFigures.length === 0) return;
    var k = partFor(position);
    partFigures.forEach(function (f, i) { f.hidden = i !== k; });
    var figure = partFigures[k];
    var svg = figure.querySelector('svg');
    var top = Number(svg.getAttribute('data-plot-top'));
    var height = Number(svg.getAttribute('data-plot-height'));
    var from = Number(svg.getAttribute('data-from-us'));
    var spanUs = Number(svg.getAttribute('data-span-us'));
    var laneLeft = Number(svg.getAttribute('data-lane-left'));
    var laneWidth = Number(svg.getAttribute('data-lane-width'));
    var right = Number(svg.getAttribute('data-lanes-right'));
    var y = function (us) { return top + ((us - from) / spanUs) * height; };
    var x = function (name) { return laneLeft + (laneOf[name] + 0.5) * laneWidth; };
    var g = overlay(svg);
    var first = Number(figure.getAttribute('data-first-step'));
    var lastStep = Number(figure.getAttribute('data-last-step'));
    var drawn = function (s) { return s.step + 1 >= first && s.step + 1 <= lastStep; };
    var mark = function (s) {
      if (!drawn(s)) return;
      var x1 = x(s.node), y1 = y(s.timeUs);
      var x2 = s.arrivalUs === undefined ? x1 + (x(s.to) - x1) * 0.4 : x(s.to);
      var y2 = s.arrivalUs === undefined ? y1 + 10 : y(s.arrivalUs);
      line(g, x1, y1, x2, y2, { stroke: '#111827', 'stroke-width': 7, 'stroke-linecap': 'round' });
      line(g, x1, y1, x2, y2, { stroke: '#facc15', 'stroke-width': 4, 'stroke-linecap': 'round', class: 'tt-message' });
    };
    if (position > 0) {
      var step = steps[position - 1];
      if (step.sendIndex !== undefined) mark(sends[step.sendIndex]);
      for (var i = 0; i < step.sendCount; i++) mark(sends[step.firstSend + i]);
    }
    var cy = y(timeUs);
    var cursor = line(g, laneLeft - 6, cy, right, cy, { stroke: '#1d4ed8', 'stroke-width': 2, class: 'tt-cursor-line' });
    if (position > 0 && steps[position - 1].event.node !== undefined) {
      var dot = document.createElementNS(SVGNS, 'circle');
      dot.setAttribute('cx', x(steps[position - 1].event.node)); dot.setAttribute('cy', cy); dot.setAttribute('r', 5);
      dot.setAttribute('fill', '#1d4ed8');
      g.appendChild(dot);
    }
    // Keep the cursor in view inside the diagram's own scroll box, without moving the page.
    var box = diagramBox.getBoundingClientRect();
    var at = cursor.getBoundingClientRect();
    if (at.top < box.top + 40 || at.bottom > box.bottom - 40)
      diagramBox.scrollTop += at.top - box.top - diagramBox.clientHeight / 3;
  }

  // ---- moving ---------------------------------------------------------------
  var slider = document.getElementById('tt-slider');
  var position = 0;
  function show(p) {
    position = Math.max(0, Math.min(last, p));
    slider.value = String(position);
    var timeUs = position === 0 ? rec.window.fromUs : steps[position - 1].event.timeUs;
    var e = position === 0 ? null : steps[position - 1].event;
    document.getElementById('tt-position').innerHTML = 'Step <b>' + position + '</b> of ' + last + ' · ' + seconds(timeUs) +
      (e ? ' · ' + esc(e.kind) + (e.node ? ' at ' + esc(e.node) : '') : ' · the window\\'s start');
    document.getElementById('tt-event').innerHTML = describe(position);
    document.getElementById('tt-nodes').innerHTML = nodeRows(position);
    document.getElementById('tt-back').disabled = position === 0;
    document.getElementById('tt-first').disabled = position === 0;
    document.getElementById('tt-forward').disabled = position === last;
    document.getElementById('tt-last').disabled = position === last;
    if (faultSteps.length > 0) {
      document.getElementById('tt-prev-fault').disabled = !faultSteps.some(function (s) { return s < position; });
      document.getElementById('tt-next-fault').disabled = !faultSteps.some(function (s) { return s > position; });
    }
    showFaults(timeUs, position);
    showDiagram(timeUs, position);
    if (history.replaceState) history.replaceState(null, '', '#step=' + position);
  }
  function previousFault() {
    for (var i = faultSteps.length - 1; i >= 0; i--) if (faultSteps[i] < position) return show(faultSteps[i]);
  }
  function nextFault() {
    for (var i = 0; i < faultSteps.length; i++) if (faultSteps[i] > position) return show(faultSteps[i]);
  }
  document.getElementById('tt-first').addEventListener('click', function () { show(0); });
  document.getElementById('tt-back').addEventListener('click', function () { show(position - 1); });
  document.getElementById('tt-forward').addEventListener('click', function () { show(position + 1); });
  document.getElementById('tt-last').addEventListener('click', function () { show(last); });
  document.getElementById('tt-prev-fault').addEventListener('click', previousFault);
  document.getElementById('tt-next-fault').addEventListener('click', nextFault);
  slider.addEventListener('input', function () { show(Number(slider.value)); });
  document.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var moves = {
      ArrowLeft: function () { show(position - 1); },
      ArrowRight: function () { show(position + 1); },
      Home: function () { show(0); },
      End: function () { show(last); },
      '[': previousFault,
      ']': nextFault,
    };
    var move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    move();
  });
  var fromHash = /^#step=(\\d+)$/.exec(location.hash);
  show(fromHash ? Number(fromHash[1]) : 0);
});
`;
