import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { pairOperations } from '../reports/consistency/history.js';
import { checkLinearizability } from '../reports/consistency/linearizability.js';
import { registerSpec } from '../reports/consistency/sequential-specs.js';

/**
 * Clients whose links deliver half their requests twice, the copy often
 * held back 50 ms, long after the original was answered and later writes
 * were made. Every store must take each request up once: a copy applied
 * again would undo the writes made since.
 */
const scenario = (store: string) => `
name: duplicated-requests
duration: 4s
topology:
  nodes: { kv: { count: 3 }, client: { count: 2 } }
  links: [{ from: client, to: kv, duplicate: 0.5, reorder: 0.5, reorderDelay: 50ms }]
components:
  store: { type: ${store}, nodes: kv }
workloads:
  users: { type: store-client, nodes: client, target: store, users: 3, thinkTime: 5ms, keys: { count: 2 }, operations: { read: 1, write: 1 }, contact: random }
`;

describe('requests the network delivers twice', () => {
  for (const store of ['raft', 'leader-follower, replication: sync', 'quorum-store, linearizable: true']) {
    it(`are taken up once by ${store.split(',')[0]}: the history stays linearizable`, async () => {
      const completed = await runScenario(parseScenarioText(scenario(store), 'duplicated-requests.yaml').scenario);
      expect(completed.result.messages.duplicated).toBeGreaterThan(100);
      const operations = pairOperations(completed.built.history.events, registerSpec.isReadOnly);
      expect(operations.filter((op) => op.f === 'write' && !op.unknown).length).toBeGreaterThan(100);
      expect(checkLinearizability(operations, registerSpec).linearizable).toBe(true);
    });
  }
});
