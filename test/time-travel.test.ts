import { describe, expect, it } from 'vitest';
import { runState } from '../explore/run-state.js';
import { timeTravelPage } from '../explore/time-travel-page.js';
import { recordWindow, statesAt } from '../explore/time-travel-recording.js';
import { messageDiagramChart } from '../reports/charts/message-diagram.js';
import type { MessageDiagram } from '../reports/report-types.js';
import { buildScenario } from '../scenarios/harness/build-scenario.js';
import { SHORT_WINDOW, shortFailover } from './support/short-failover.js';

const META = { scenario: 'failover', variant: 'async', seed: 1, version: '9.9.9', traceHash: 'feedfacecafebeef' };

describe('recordWindow', () => {
  const scenario = shortFailover();
  const recording = recordWindow(buildScenario(scenario), SHORT_WINDOW);

  it('records every event of the window in order, and what each sent', () => {
    const { steps, sends, start } = recording;
    expect(steps.length).toBeGreaterThan(50);
    expect(recording.cut).toBeNull();
    steps.forEach((step, i) => {
      expect(step.event.index).toBe(start.events + i);
      expect(step.event.timeUs).toBeGreaterThanOrEqual(SHORT_WINDOW.fromUs);
      expect(step.event.timeUs).toBeLessThan(SHORT_WINDOW.toUs);
      if (i > 0) expect(step.event.timeUs).toBeGreaterThanOrEqual(steps[i - 1].event.timeUs);
      for (const send of sends.slice(step.firstSend, step.firstSend + step.sendCount)) {
        expect(send.step).toBe(i);
        expect(send.index).toBe(step.event.index);
        expect(send.node).toBe(step.event.node);
      }
      if (step.sendIndex !== undefined) {
        const send = sends[step.sendIndex];
        expect([send.node, send.to, send.arrivalUs, send.deliveredAt]).toEqual([
          step.event.from,
          step.event.node,
          step.event.timeUs,
          i,
        ]);
      }
    });
    expect(steps.reduce((n, s) => n + s.sendCount, 0)).toBe(sends.length);
    expect(steps.flatMap((s) => s.faults.map((f) => `${f.fault} ${f.nodes}`))).toEqual([
      'crash db-1',
      'pause db-2',
      'resume db-2',
      'restart db-1',
    ]);
  });

  it('rebuilds at every step the node states a fresh run stopped after that event has', () => {
    const fresh = buildScenario(scenario);
    fresh.sim.run({ untilUs: SHORT_WINDOW.fromUs - 1 });
    expect(runState(fresh).nodes).toEqual(statesAt(recording, 0));
    for (let k = 1; k <= recording.steps.length; k++) {
      fresh.sim.run({ maxEvents: 1 });
      expect(fresh.sim.events - 1).toBe(recording.steps[k - 1].event.index);
      expect(runState(fresh).nodes, `after step ${k}`).toEqual(statesAt(recording, k));
    }
    expect(fresh.sim.traceHashNow()).toBe(recording.end.traceHash);
  });

  it('shows db-1 down from the crash, and up the event before, as a run stopped there does', () => {
    const crash = recording.steps.findIndex((s) => s.faults.some((f) => f.fault === 'crash')) + 1;
    const status = (k: number) => statesAt(recording, k).find((n) => n.name === 'db-1')!.status;
    expect([status(crash - 1), status(crash)]).toEqual(['up', 'down']);
    for (const k of [crash - 1, crash]) {
      const fresh = buildScenario(scenario);
      fresh.sim.run({ maxEvents: recording.steps[k - 1].event.index + 1 });
      expect(runState(fresh).nodes).toEqual(statesAt(recording, k));
    }
    const paused = recording.steps.findIndex((s) => s.faults.some((f) => f.fault === 'pause')) + 1;
    expect(statesAt(recording, paused).find((n) => n.name === 'db-2')!.status).toBe('paused');
  });

  it('is deterministic and plain JSON', () => {
    const again = recordWindow(buildScenario(scenario), SHORT_WINDOW);
    expect(JSON.stringify(again)).toBe(JSON.stringify(recording));
    expect(JSON.parse(JSON.stringify(recording))).toEqual(recording);
  });

  it('stops at its event limit and says where', () => {
    const cut = recordWindow(buildScenario(scenario), { ...SHORT_WINDOW, maxEvents: 40 });
    expect(cut.steps).toEqual(recording.steps.slice(0, 40));
    // A message delivered after the cut has no delivery step in the cut recording.
    const sent = recording.sends
      .slice(0, cut.sends.length)
      .map(({ deliveredAt, ...send }) =>
        deliveredAt === undefined || deliveredAt >= 40 ? send : { ...send, deliveredAt },
      );
    expect(cut.sends).toEqual(sent);
    expect(cut.cut).toEqual({ index: recording.steps[40].event.index, timeUs: recording.steps[40].event.timeUs });
    expect(cut.end.events).toBe(recording.steps[39].event.index + 1);
    expect(cut.sends.length).toBe(recording.steps[39].firstSend + recording.steps[39].sendCount);
    expect(timeTravelPage(cut, META)).toContain('The window was cut short at');
  });

  it('refuses a window that is not one, and a simulation that has already run', () => {
    const built = buildScenario(scenario);
    expect(() => recordWindow(built, { fromUs: 5, toUs: 5 })).toThrow(/must come after its start/);
    expect(() => recordWindow(built, { fromUs: -1, toUs: 5 })).toThrow(/start must be a time >= 0/);
    expect(() => recordWindow(built, { fromUs: 0, toUs: 5, maxEvents: 0 })).toThrow(/event limit/);
    built.sim.run({ maxEvents: 1 });
    expect(() => recordWindow(built, SHORT_WINDOW)).toThrow(/freshly built/);
  });
});

describe('timeTravelPage', () => {
  const recording = recordWindow(buildScenario(shortFailover()), SHORT_WINDOW);

  it('is one self-contained page, equal for equal recordings', () => {
    const html = timeTravelPage(recording, META);
    expect(html).toBe(timeTravelPage(recording, META));
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|url\(["']?http|@import/);
    expect(html).toContain('id="tt-slider"');
    expect(html).toContain(`max="${recording.steps.length}"`);
  });

  it('escapes what it shows, and keeps the embedded data inside its script element', () => {
    const html = timeTravelPage(recording, { ...META, scenario: 'two </script><script>window.injected=1</script>' });
    expect(html).not.toContain('<script>window.injected');
    expect(html).toContain('two &lt;/script&gt;');
  });

  it("leaves the report's message diagram as it was unless asked for the plot attributes", () => {
    const diagram: MessageDiagram = {
      fault: null,
      atUs: 1_000_000,
      fromUs: 900_000,
      toUs: 1_100_000,
      sent: 2,
      sample: null,
      capped: false,
      nodes: ['a', 'b'],
      kinds: ['ping'],
      messages: ['950000 0 1 960000 0 d', '1050000 1 0 - 0 p'],
    };
    const plain = messageDiagramChart(diagram, [], 'm');
    expect(plain.svg).not.toContain('data-plot-top');
    expect(messageDiagramChart(diagram, [], 'm', undefined, {}).svg).toBe(plain.svg);
    const marked = messageDiagramChart(diagram, [], 'm', undefined, { plotAttributes: true }).svg;
    expect(marked.replace(/ data-[a-z-]+="[^"]*"/g, '')).toBe(plain.svg);
  });
});
