import { describe, expect, it } from 'vitest';
import { applyFault, Simulation, type NodeContext, type Process } from '../engine/index.js';
import { DROP_LOSS, DROP_PARTITION } from '../engine/network.js';
import {
  MessageCapture,
  STORE_CAP,
  type CapturedMessage,
  type DiagramWindowOptions,
} from '../models/measure/message-capture.js';
import { MAX_PLOT_PX, messageDiagramChart } from '../reports/charts/message-diagram.js';
import {
  DIAGRAM_DRAWN_CAP,
  messageDiagram,
  parseDiagramMessage,
  type CapturedWindow,
} from '../reports/consistency/message-lanes.js';
import type { FaultEvent, MessageDiagram } from '../reports/report-types.js';
import { buildReport } from '../reports/build-report.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { ScenarioError } from '../scenarios/harness/scenario-error.js';

/** Each node sends a ping to every other node every `everyUs`. */
function chatter(everyUs: number) {
  return (ctx: NodeContext): Process => ({
    onStart: () => ctx.setTimer(everyUs, 1),
    onMessage: () => {},
    onTimer: () => {
      for (let to = 0; to < 3; to++) if (to !== ctx.id) ctx.send(to, { kind: to === 0 ? 'to-first' : 'ping' });
      ctx.setTimer(everyUs, 1);
    },
  });
}

type Fault = { atUs: number; apply: (sim: Simulation) => void };

function capturedRun(everyUs: number, untilUs: number, faults: Fault[] = [], options?: Partial<DiagramWindowOptions>) {
  const sim = new Simulation({ seed: 1 });
  for (let i = 0; i < 3; i++) sim.addNode({ name: `n${i}`, process: chatter(everyUs) });
  const capture = new MessageCapture(sim, options);
  sim.addMessageObserver(capture);
  for (const fault of faults) sim.at(fault.atUs, () => fault.apply(sim));
  const result = sim.run({ untilUs });
  capture.finish(result.simulatedUs);
  return { sim, capture, result };
}

const partitionAt = (atUs: number): Fault => ({
  atUs,
  apply: (sim) => applyFault(sim, { kind: 'partition', shape: { type: 'groups', groups: [['n0'], ['n1', 'n2']] } }),
});
const clockJumpAt = (atUs: number): Fault => ({
  atUs,
  apply: (sim) => applyFault(sim, { kind: 'clock-jump', nodes: 'n1', deltaUs: -250_000 }),
});

describe('message capture', () => {
  it('centres on the first fault that changes reachability, not on an earlier clock jump', () => {
    const { capture } = capturedRun(50_000, 5_000_000, [clockJumpAt(0), partitionAt(3_000_000)]);
    expect(capture.fault).toMatchObject({ kind: 'partition', timeUs: 3_000_000 });
    expect(capture.atUs).toBe(3_000_000);
    expect(capture.fromUs).toBe(2_750_000);
    expect(capture.endUs).toBe(4_500_000);
    const messages = capture.messages();
    expect(messages[0].sentUs).toBeGreaterThanOrEqual(2_750_000);
    expect(messages[messages.length - 1].sentUs).toBeLessThanOrEqual(4_500_000);
    // Sparse: every message in the window is kept, and the cut drops those across it.
    expect(capture.slotUs).toBe(0);
    expect(messages).toHaveLength(capture.sent);
    const crossing = messages.filter((m) => m.sentUs > 3_000_000 && (m.from === 0) !== (m.to === 0));
    expect(crossing.length).toBeGreaterThan(0);
    expect(crossing.every((m) => m.arrivalUs === DROP_PARTITION)).toBe(true);
  });

  it('falls back on a clock fault when nothing changes reachability, and centres where the scenario says', () => {
    const clockOnly = capturedRun(50_000, 3_000_000, [clockJumpAt(1_000_000)]).capture;
    expect(clockOnly.fault).toMatchObject({ kind: 'clock-jump', timeUs: 1_000_000 });
    expect(clockOnly.endUs).toBe(2_500_000);
    const named = capturedRun(50_000, 5_000_000, [partitionAt(1_000_000)], {
      atUs: 3_000_000,
      beforeUs: 100_000,
      afterUs: 500_000,
    }).capture;
    expect(named.fault).toBeNull();
    expect([named.atUs, named.fromUs, named.endUs]).toEqual([3_000_000, 2_900_000, 3_500_000]);
    expect(named.messages().every((m) => m.sentUs >= 2_900_000 && m.sentUs <= 3_500_000)).toBe(true);
  });

  it('holds bounded memory in a busy window: samples the first per kind, pair and fate in each slot, counts the rest', () => {
    // 6 messages every 20µs: 300,000 a second, 450,000 in the window after the fault.
    const { capture } = capturedRun(20, 2_000_000, [partitionAt(400_000)]);
    const messages = capture.messages();
    expect(capture.sent).toBeGreaterThan(400_000);
    expect(messages.length).toBeLessThanOrEqual(STORE_CAP);
    expect(capture.slotUs).toBeGreaterThan(0);
    expect(capture.endUs).toBe(1_900_000);
    const keys = messages.map(
      (m) => `${m.kind} ${m.from} ${m.to} ${m.arrivalUs < 0} ${Math.floor((m.sentUs - 400_000) / capture.slotUs)}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
    expect(messages.every((m, i) => i === 0 || m.sentUs >= messages[i - 1].sentUs)).toBe(true);
  });

  it('without a fault there is no window', () => {
    const { capture } = capturedRun(1000, 1_000_000);
    expect(capture.fault).toBeNull();
    expect(capture.atUs).toBeNull();
    expect(capture.messages()).toEqual([]);
  });

  it('changes nothing in the run: the same trace with and without it', () => {
    const faults = [clockJumpAt(100_000), partitionAt(500_000)];
    const watched = capturedRun(100, 2_000_000, faults).result.traceHash;
    const sim = new Simulation({ seed: 1 });
    for (let i = 0; i < 3; i++) sim.addNode({ name: `n${i}`, process: chatter(100) });
    for (const fault of faults) sim.at(fault.atUs, () => fault.apply(sim));
    expect(sim.run({ untilUs: 2_000_000 }).traceHash).toBe(watched);
  });
});

const FAULT: FaultEvent = { timeUs: 1000, kind: 'crash', nodes: ['b'] };

function window(messages: CapturedMessage[], slotUs = 0): CapturedWindow {
  return {
    fault: FAULT,
    atUs: FAULT.timeUs,
    fromUs: 750,
    endUs: 5000,
    sent: messages.length,
    slotUs,
    capped: false,
    messages: () => messages,
  };
}

describe('message diagram data', () => {
  const names = ['a', 'b', 'c', 'd'];
  const faults: FaultEvent[] = [FAULT, { timeUs: 3000, kind: 'restart', nodes: ['b'] }];

  it('one line per message, lanes in node order, and each message’s fate', () => {
    const diagram = messageDiagram(
      window([
        { sentUs: 900, from: 2, to: 1, arrivalUs: 950, kind: 'req' },
        { sentUs: 1100, from: 2, to: 1, arrivalUs: 1150, kind: 'req' }, // b is down
        { sentUs: 1200, from: 0, to: 2, arrivalUs: DROP_PARTITION, kind: 'ack' },
        { sentUs: 1300, from: 2, to: 0, arrivalUs: DROP_LOSS, kind: 'req' },
        { sentUs: 3100, from: 2, to: 1, arrivalUs: 3200, kind: 'req' }, // b is back
      ]),
      (id) => names[id],
      faults,
    )!;
    expect(diagram.nodes).toEqual(['a', 'b', 'c']);
    expect(diagram.kinds).toEqual(['req', 'ack']);
    expect(diagram.messages).toEqual([
      '900 2 1 950 0 d',
      '1100 2 1 1150 0 x',
      '1200 0 2 - 1 p',
      '1300 2 0 - 0 l',
      '3100 2 1 3200 0 d',
    ]);
    expect(parseDiagramMessage(diagram.messages[2])).toEqual({
      sentUs: 1200,
      from: 0,
      to: 2,
      arrivalUs: null,
      kind: 1,
      fate: 'p',
    });
    expect(diagram).toMatchObject({
      fault: FAULT,
      atUs: 1000,
      fromUs: 750,
      toUs: 5000,
      sent: 5,
      sample: null,
      capped: false,
    });
  });

  it('draws at most DIAGRAM_DRAWN_CAP: the first of each kind, pair and fate per slot, in the narrowest slot that fits', () => {
    const many: CapturedMessage[] = [];
    for (let t = 750_000; t <= 5_000_000; t += 1000)
      many.push({ sentUs: t, from: t % 4, to: (t + 1) % 4, arrivalUs: t + 500, kind: 'ping' });
    const busy: CapturedWindow = {
      ...window(many),
      fault: { timeUs: 1_000_000, kind: 'partition', nodes: [] },
      atUs: 1_000_000,
      fromUs: 750_000,
      endUs: 5_000_000,
      sent: 100_000,
    };
    const diagram = messageDiagram(busy, (id) => names[id], [])!;
    expect(diagram.sent).toBe(100_000);
    expect(diagram.messages.length).toBeLessThanOrEqual(DIAGRAM_DRAWN_CAP);
    // 4 pairs: a message each per 1, 2, 5 or 10 ms is too many, per 20 ms fits.
    expect(diagram.sample).toEqual({ everyUs: 20_000, nearest: null });
    const rows = diagram.messages.map(parseDiagramMessage);
    const keys = rows.map((m) => `${m.from} ${m.to} ${Math.floor((m.sentUs - 1_000_000) / 20_000)}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(rows.length).toBe(new Set(many.map((m) => `${m.from} ${Math.floor((m.sentUs - 1_000_000) / 20_000)}`)).size);
  });

  it('is null without a window', () => {
    expect(messageDiagram({ ...window([]), fault: null, atUs: null }, (id) => names[id], [])).toBeNull();
  });
});

/** Well-formed XML, checked by hand: every tag closed in order, attributes quoted, no stray markup characters in text. */
function expectWellFormed(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (const m of svg.matchAll(tag)) {
    const text = svg.slice(at, m.index);
    expect(text, `text before ${m[0]}`).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|#39);)/);
    at = m.index! + m[0].length;
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop(), `closing ${name}`).toBe(name);
    else if (!selfClosing) stack.push(name);
  }
  expect(svg.slice(at).trim()).toBe('');
  expect(stack).toEqual([]);
}

/** A captured window of `messages` centred on the first of `faults`, all of them kept. */
function keptWindow(messages: CapturedMessage[], faults: FaultEvent[], endUs: number, sent = messages.length) {
  return {
    fault: faults[0],
    atUs: faults[0].timeUs,
    fromUs: 500,
    endUs,
    sent,
    slotUs: 0,
    capped: false,
    messages: () => messages,
  };
}

const svgHeight = (svg: string) => Number(/viewBox="0 0 \d+ ([\d.]+)"/.exec(svg)![1]);
const svgWidth = (svg: string) => Number(/viewBox="0 0 (\d+) /.exec(svg)![1]);

describe('message diagram SVG', () => {
  const messages: CapturedMessage[] = [];
  for (let i = 0; i < 200; i++) {
    const from = i % 4;
    const to = (i + 1) % 4;
    const dropped = i % 10 === 0;
    messages.push({
      sentUs: 500 + i * 10,
      from,
      to,
      arrivalUs: dropped ? DROP_PARTITION : 700 + i * 10,
      kind: i % 3 === 0 ? 'vote' : 'append <entries>',
    });
  }
  const faults: FaultEvent[] = [
    { timeUs: 1000, kind: 'partition', nodes: ['a'], detail: 'groups: {a} | {b & c}' },
    { timeUs: 1010, kind: 'crash', nodes: ['c'] },
    { timeUs: 1010, kind: 'crash', nodes: ['d'] },
    { timeUs: 2000, kind: 'heal', nodes: [] },
  ];
  const names = (id: number) => ['a', 'b', 'c', 'd'][id];
  const diagram = messageDiagram(keptWindow(messages, faults, 2500), names, faults)!;

  it('is well-formed SVG: one lane per node, one arrow per delivered message, one cross per drop', () => {
    const chart = messageDiagramChart(diagram, faults, 'consistency-message-diagram');
    expectWellFormed(chart.svg);
    expect(chart.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const groups = [
      ...chart.svg.matchAll(
        /<g [^>]*marker-end="url\(#consistency-message-diagram-(arrow-\d+|drop)\)">\n((?:<path [^>]*\/>\n)*)<\/g>/g,
      ),
    ];
    const paths = (marker: string) =>
      groups.filter((g) => g[1] === marker).reduce((n, g) => n + g[2].split('\n').filter(Boolean).length, 0);
    // Drops, and deliveries to c and d after they crashed, are crossed out.
    const fates = diagram.messages.map((m) => parseDiagramMessage(m).fate);
    expect(paths('arrow-0') + paths('arrow-1')).toBe(fates.filter((f) => f === 'd').length);
    expect(paths('drop')).toBe(fates.filter((f) => f !== 'd').length);
    for (const node of ['a', 'b', 'c', 'd']) expect(chart.svg).toContain(`text-anchor="middle">${node}</text>`);
    expect(chart.title).toBe('Messages around the partition at 0.001s');
    expect(chart.svg).toContain('append &lt;entries&gt;');
    expect(chart.svg).toContain('all 200 messages sent in the window');
    // One label per fault, crashes at the same moment sharing one.
    expect(chart.svg).toContain('>partition at 0.001s</text>');
    expect(chart.svg).toContain('>groups: {a} | {b &amp; c}</text>');
    expect(chart.svg).toContain('>c, d</text>');
    expect(chart.svg).toContain('>heal at 0.002s</text>');
    // Every id is the chart's, so several diagrams can share a page.
    expect(
      [...chart.svg.matchAll(/\bid="([^"]+)"/g)].every((m) => m[1].startsWith('consistency-message-diagram-')),
    ).toBe(true);
  });

  it('says what it left out', () => {
    const sampled = { ...diagram, sent: 12_345, sample: { everyUs: 50_000, nearest: null }, capped: true };
    const svg = messageDiagramChart(sampled, faults, 'md').svg;
    expect(svg).toContain(
      'showing 200 of 12,345 messages: per pair of nodes and kind, the first delivered and the first dropped in each 50 ms; the window ends early',
    );
    const named = messageDiagramChart({ ...diagram, fault: null, atUs: 1500 }, faults, 'md');
    expect(named.title).toBe('Messages around 0.002s');
    expect(named.svg).toContain('>centre 0.002s</text>');
  });

  it('time flows down: a later send starts lower, and a delivery ends below its send', () => {
    const chart = messageDiagramChart(diagram, faults, 'md');
    const lines = [...chart.svg.matchAll(/<path d="M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)"\/>/g)].map((m) =>
      m.slice(1).map(Number),
    );
    expect(lines.length).toBe(200);
    expect(lines.every(([, y1, , y2]) => y2 > y1)).toBe(true);
  });

  it('fault labels sit clear of every arrow and line, and of each other', () => {
    const svg = messageDiagramChart(diagram, faults, 'md').svg;
    const arrowsRight = Math.max(
      ...[...svg.matchAll(/<path d="M([\d.]+) [\d.]+L([\d.]+) [\d.]+"\/>/g)].flatMap((m) => [+m[1], +m[2]]),
    );
    const linesRight = Math.max(...[...svg.matchAll(/<line x1="[\d.]+" y1="[\d.]+" x2="([\d.]+)"/g)].map((m) => +m[1]));
    const block = /<g class="fault-labels" font-size="11">\n([\s\S]*?)\n<\/g>/.exec(svg)![1];
    // Boxes at 11 px: at most 6.5 px a character, 11 px above the baseline and 3 below.
    const boxes = [...block.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({
      left: +m[1],
      right: +m[1] + m[3].length * 6.5,
      top: +m[2] - 11,
      bottom: +m[2] + 3,
    }));
    expect(boxes.length).toBe(5);
    for (const box of boxes) {
      expect(box.left).toBeGreaterThan(Math.max(arrowsRight, linesRight));
      expect(box.right).toBeLessThanOrEqual(svgWidth(svg));
      expect(box.bottom).toBeLessThanOrEqual(svgHeight(svg));
    }
    boxes.forEach((a, i) =>
      boxes.slice(i + 1).forEach((b) => expect(a.bottom <= b.top || b.bottom <= a.top, 'labels overlap').toBe(true)),
    );
  });

  it('is deterministic, and at most about 1,400 px tall whatever the window holds', () => {
    expect(messageDiagramChart(diagram, faults, 'md').svg).toBe(messageDiagramChart(diagram, faults, 'md').svg);
    const busy: CapturedMessage[] = [];
    for (let i = 0; i < 100_000; i++)
      busy.push({ sentUs: 500 + i, from: i % 4, to: (i + 3) % 4, arrivalUs: 600 + i, kind: `k${i % 12}` });
    const big = messageDiagram(keptWindow(busy, faults, 100_500), names, faults)!;
    expect(big.messages.length).toBeLessThanOrEqual(DIAGRAM_DRAWN_CAP);
    expect(big.sent).toBe(100_000);
    const svg = messageDiagramChart(big, faults, 'md').svg;
    expect(svgHeight(svg)).toBeLessThanOrEqual(1400);
    expect(MAX_PLOT_PX).toBeLessThan(1400);
  });
});

/** Like cap-partition: a clock jump at 0 s, the 2 | 3 partition later, clients on both sides. */
const CAP_LIKE = `
name: diagram-window
seed: 1
duration: 5s
topology:
  regions: [dc-a, dc-b]
  rtt: { crossRegion: 10ms }
  nodes:
    store: { count: 5, region: [dc-a, dc-a, dc-b, dc-b, dc-b] }
    client: { count: 4, region: [dc-a, dc-a, dc-b, dc-b] }
components:
  kv: { type: raft, nodes: store }
workloads:
  users: { type: store-client, nodes: client, target: kv, users: 3, thinkTime: 10ms, keys: { count: 20 }, timeout: 1s, contact: nearest }
faults:
  timeline:
    - { at: 0s, action: clock-jump, nodes: [store-1, store-2], by: -250ms }
    - { at: 3s, action: partition, sides: [dc-a, dc-b], for: 1s }
`;

async function diagramOf(text: string, overrides: string[] = []): Promise<{ diagram: MessageDiagram; svg: string }> {
  const { scenario } = parseScenarioText(text, 'diagram-window.yaml', { overrides });
  const runs = [{ name: 'base', overrides: {}, run: await runScenario(scenario) }];
  const report = buildReport({ faultlineVersion: 'test', file: null, scenario, runs, wallSeconds: 1 });
  const diagram = report.consistency!.messageDiagram!;
  return { diagram, svg: messageDiagramChart(diagram, report.faults, 'md').svg };
}

describe('the message diagram of a run', () => {
  it('covers the partition, not the clock jump before it, and stays a readable size', async () => {
    const { diagram, svg } = await diagramOf(CAP_LIKE);
    expect(diagram.fault).toMatchObject({ kind: 'partition', timeUs: 3_000_000 });
    expect([diagram.atUs, diagram.fromUs, diagram.toUs]).toEqual([3_000_000, 2_750_000, 4_500_000]);
    expect(diagram.sent).toBeGreaterThan(DIAGRAM_DRAWN_CAP);
    expect(diagram.messages.length).toBeLessThanOrEqual(DIAGRAM_DRAWN_CAP);
    expect(diagram.sample).not.toBeNull();
    expect(diagram.messages.some((m) => m.endsWith(' p'))).toBe(true);
    expect(svgHeight(svg)).toBeLessThanOrEqual(1400);
    expect(svg).toMatch(/showing \d+ of [\d,]+ messages: per pair of nodes and kind/);
  });

  it('lies where the scenario names it: outputs.messageDiagram', async () => {
    const { diagram } = await diagramOf(CAP_LIKE, ['outputs.messageDiagram={ at: 1s, before: 100ms, after: 400ms }']);
    expect(diagram.fault).toBeNull();
    expect([diagram.atUs, diagram.fromUs, diagram.toUs]).toEqual([1_000_000, 900_000, 1_400_000]);
  });

  it('a window past the end of the run is an error that points at it', () => {
    const text = `${CAP_LIKE}outputs:\n  messageDiagram: { at: 6s }\n`;
    let error: unknown;
    try {
      parseScenarioText(text, 'diagram-window.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as Error).message).toMatch(
      /^diagram-window\.yaml:20:25 outputs\.messageDiagram\.at: is at or after the end of the run \(duration 5s\)/,
    );
  });
});
