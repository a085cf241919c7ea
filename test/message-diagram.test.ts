import { describe, expect, it } from 'vitest';
import { applyFault, Simulation, type NodeContext, type Process } from '../engine/index.js';
import { DROP_LOSS, DROP_PARTITION } from '../engine/network.js';
import { DIAGRAM_MESSAGE_CAP, MessageCapture, type CapturedMessage } from '../models/measure/message-capture.js';
import { messageDiagramChart } from '../reports/charts/message-diagram.js';
import { messageDiagram, parseDiagramMessage, type CapturedWindow } from '../reports/consistency/message-lanes.js';
import type { FaultEvent } from '../reports/report-types.js';

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

function capturedRun(everyUs: number, untilUs: number, fault?: { atUs: number; apply: (sim: Simulation) => void }) {
  const sim = new Simulation({ seed: 1 });
  for (let i = 0; i < 3; i++) sim.addNode({ name: `n${i}`, process: chatter(everyUs) });
  const capture = new MessageCapture(sim);
  sim.setMessageObserver(capture);
  if (fault) sim.at(fault.atUs, () => fault.apply(sim));
  const result = sim.run({ untilUs });
  capture.finish(result.simulatedUs);
  return { sim, capture, result };
}

describe('message capture', () => {
  it('keeps the lead-up to the first fault and what follows, up to the cap, then lets go', () => {
    const partition = (sim: Simulation) =>
      applyFault(sim, { kind: 'partition', shape: { type: 'groups', groups: [['n0'], ['n1', 'n2']] } });
    // 6 messages every 100µs: 60,000 a second, far beyond the cap.
    const { capture } = capturedRun(100, 3_000_000, { atUs: 1_000_000, apply: partition });
    const messages = capture.messages();
    expect(capture.fault).toMatchObject({ kind: 'partition', timeUs: 1_000_000 });
    expect(capture.capped).toBe(true);
    expect(messages).toHaveLength(DIAGRAM_MESSAGE_CAP);
    const before = messages.filter((m) => m.sentUs < 1_000_000);
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThanOrEqual(DIAGRAM_MESSAGE_CAP / 8);
    expect(messages.every((m, i) => i === 0 || m.sentUs >= messages[i - 1].sentUs)).toBe(true);
    expect(capture.endUs).toBe(messages[messages.length - 1].sentUs);
    const crossing = messages.filter((m) => m.sentUs > 1_000_000 && (m.from === 0) !== (m.to === 0));
    expect(crossing.length).toBeGreaterThan(0);
    expect(crossing.every((m) => m.arrivalUs === DROP_PARTITION)).toBe(true);
    expect(
      messages.filter((m) => m.sentUs > 1_000_000 && m.from !== 0 && m.to !== 0).every((m) => m.arrivalUs > m.sentUs),
    ).toBe(true);
  });

  it('a sparse window ends 1.75 s after the fault, uncapped, and keeps at most 250 ms before it', () => {
    const crash = (sim: Simulation) => sim.crash(sim.nodeId('n2'));
    const { capture } = capturedRun(50_000, 5_000_000, { atUs: 2_000_000, apply: crash });
    const messages = capture.messages();
    expect(capture.capped).toBe(false);
    expect(capture.endUs).toBe(3_750_000);
    expect(messages[0].sentUs).toBeGreaterThanOrEqual(1_750_000);
    expect(messages[messages.length - 1].sentUs).toBeLessThanOrEqual(3_750_000);
    // n2 is down: it sends nothing after the crash.
    expect(messages.some((m) => m.from === 2 && m.sentUs > 2_000_000)).toBe(false);
  });

  it('without a fault there is no window', () => {
    const { capture } = capturedRun(1000, 1_000_000);
    expect(capture.fault).toBeNull();
    expect(capture.messages()).toEqual([]);
  });

  it('changes nothing in the run: the same trace with and without it', () => {
    const partition = (sim: Simulation) =>
      applyFault(sim, { kind: 'partition', shape: { type: 'groups', groups: [['n0'], ['n1', 'n2']] } });
    const watched = capturedRun(1000, 2_000_000, { atUs: 500_000, apply: partition }).result.traceHash;
    const sim = new Simulation({ seed: 1 });
    for (let i = 0; i < 3; i++) sim.addNode({ name: `n${i}`, process: chatter(1000) });
    sim.at(500_000, () => partition(sim));
    expect(sim.run({ untilUs: 2_000_000 }).traceHash).toBe(watched);
  });
});

const FAULT: FaultEvent = { timeUs: 1000, kind: 'crash', nodes: ['b'] };

function window(messages: CapturedMessage[], capped = false): CapturedWindow {
  return { fault: FAULT, endUs: 5000, capped, messages: () => messages };
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
    expect(diagram).toMatchObject({ fault: FAULT, fromUs: 900, toUs: 5000, capped: false });
  });

  it('is null without a fault', () => {
    expect(messageDiagram({ ...window([]), fault: null }, (id) => names[id], [])).toBeNull();
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

describe('message diagram SVG', () => {
  const messages: CapturedMessage[] = [];
  for (let i = 0; i < 300; i++) {
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
  const faults: FaultEvent[] = [{ timeUs: 1000, kind: 'partition', nodes: ['a'], detail: 'groups: {a} | {b & c}' }];
  const diagram = messageDiagram(
    { fault: faults[0], endUs: 4000, capped: true, messages: () => messages },
    (id) => ['a', 'b', 'c', 'd'][id],
    faults,
  )!;

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
    expect(paths('arrow-0') + paths('arrow-1')).toBe(270);
    expect(paths('drop')).toBe(30);
    for (const node of ['a', 'b', 'c', 'd']) expect(chart.svg).toContain(`text-anchor="middle">${node}</text>`);
    expect(chart.svg).toContain('append &lt;entries&gt;');
    expect(chart.svg).toContain('partition groups: {a} | {b &amp; c}');
    expect(chart.svg).toContain('(capped)');
    // Every id is the chart's, so several diagrams can share a page.
    expect(
      [...chart.svg.matchAll(/\bid="([^"]+)"/g)].every((m) => m[1].startsWith('consistency-message-diagram-')),
    ).toBe(true);
  });

  it('time flows down: a later send starts lower, and a delivery ends below its send', () => {
    const chart = messageDiagramChart(diagram, faults, 'md');
    const lines = [...chart.svg.matchAll(/<path d="M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)"\/>/g)].map((m) =>
      m.slice(1).map(Number),
    );
    expect(lines.length).toBe(300);
    expect(lines.every(([, y1, , y2]) => y2 > y1)).toBe(true);
  });

  it('is deterministic and its height is bounded whatever the number of messages', () => {
    expect(messageDiagramChart(diagram, faults, 'md').svg).toBe(messageDiagramChart(diagram, faults, 'md').svg);
    const many = { ...diagram, messages: Array.from({ length: 100_000 }, (_, i) => `${1000 + i} 0 1 ${1100 + i} 0 d`) };
    const height = Number(/viewBox="0 0 \d+ ([\d.]+)"/.exec(messageDiagramChart(many, faults, 'md').svg)![1]);
    expect(height).toBeLessThanOrEqual(2600);
  });
});
