import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { pairOperations } from '../reports/consistency/history.js';

describe('store-client: a client node that crashes and restarts', () => {
  // The store is 200 ms away, so the answer to the writer's first operation is still on its way when the node
  // crashes at 100 ms; the node is back at 200 ms and sends again before that answer lands (at about 410 ms).
  const scenario = `
name: restarted-client
duration: 2s
topology:
  regions: [near, far]
  rtt: { sameRegion: 1ms, crossRegion: 400ms }
  nodes:
    kv: { region: far }
    writer: { region: near }
components:
  store: { type: quorum-store, nodes: kv, replicationFactor: 1 }
workloads:
  writes: { type: store-client, nodes: writer, target: store, users: 2, thinkTime: 10ms, keys: { count: 1 }, operations: { write: 1 }, stopAt: 1s }
faults:
  timeline: [{ at: 100ms, action: crash, nodes: writer-1, for: 100ms }]
`;

  it('keeps write values unique, takes no answer to a request from before the crash for one after it, and opens new sessions', async () => {
    const completed = await runScenario(parseScenarioText(scenario, 'restarted-client.yaml').scenario);
    const events = completed.built.history.events;
    const written = events.filter((e) => e.type === 'invoke').map((e) => e.value);
    expect(written.length).toBeGreaterThan(4);
    expect(new Set(written).size).toBe(written.length);

    const operations = pairOperations(events, (f) => f === 'read');
    const acknowledged = operations.filter((op) => !op.unknown);
    expect(acknowledged.length).toBeGreaterThan(2);
    // No answer can come back sooner than the round trip to the store.
    for (const op of acknowledged) expect(op.returnTime - op.callTime).toBeGreaterThanOrEqual(400_000);

    // The users before and after the crash are different sessions: a restarted client has lost its session state.
    const sessionsBefore = new Set(events.filter((e) => e.timeUs! < 100_000).map((e) => e.session));
    const sessionsAfter = new Set(events.filter((e) => e.timeUs! >= 200_000).map((e) => e.session));
    expect(sessionsBefore.size).toBe(2);
    expect(sessionsAfter.size).toBe(2);
    for (const session of sessionsAfter) expect(sessionsBefore.has(session)).toBe(false);
  });
});
