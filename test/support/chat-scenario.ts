import { buildScenario, type BuiltScenario } from '../../scenarios/harness/build-scenario.js';
import { parseScenarioText } from '../../scenarios/harness/load-scenario.js';

/**
 * A chat system for tests, as scenario text: in one region `dc`, a
 * directory `directory` on dir-1, chat servers `servers` on srv-1.., a store
 * `store` on st-1.., and a chat-clients workload `users`, one user per
 * phone-1... Each part's own parameters are YAML flow-mapping entries
 * ("statusInterval: 200ms, statusTimeout: 500ms").
 */
export interface ChatScenarioOptions {
  name: string;
  seed: number;
  duration: string;
  warmup?: string;
  /** The round trip inside dc; the engine's default when absent. */
  rtt?: string;
  phones: number;
  servers: number;
  stores?: number;
  directory?: string;
  server?: string;
  store?: string;
  clients: string;
  /** faults.timeline entries, each a YAML flow mapping. */
  faults?: readonly string[];
}

export function chatScenarioText(o: ChatScenarioOptions): string {
  const more = (params: string | undefined) => (params === undefined ? '' : `, ${params}`);
  const lines = [
    `name: ${o.name}`,
    `seed: ${o.seed}`,
    `duration: ${o.duration}`,
    ...(o.warmup === undefined ? [] : [`warmup: ${o.warmup}`]),
    'topology:',
    '  regions: [dc]',
    ...(o.rtt === undefined ? [] : [`  rtt: { sameRegion: ${o.rtt} }`]),
    `  nodes: { dir: { count: 1 }, srv: { count: ${o.servers} }, st: { count: ${o.stores ?? 1} }, phone: { count: ${o.phones} } }`,
    'components:',
    `  directory: { type: chat-directory, nodes: dir${more(o.directory)} }`,
    `  servers: { type: chat-server, nodes: srv, directory: directory, store: store${more(o.server)} }`,
    `  store: { type: chat-store, nodes: st, directory: directory${more(o.store)} }`,
    'workloads:',
    `  users: { type: chat-clients, nodes: phone, directory: directory, ${o.clients} }`,
    ...(o.faults === undefined || o.faults.length === 0
      ? []
      : ['faults:', '  timeline:', ...o.faults.map((fault) => `    - ${fault}`)]),
  ];
  return `${lines.join('\n')}\n`;
}

/** Builds the scenario, lets `watch` attach observers, runs it to its end and works out ChatLog's end-of-run figures. */
export function runChatScenario(text: string, watch?: (built: BuiltScenario) => void): BuiltScenario {
  const built = buildScenario(parseScenarioText(text, 'chat.yaml').scenario);
  watch?.(built);
  built.sim.run({ untilUs: built.scenario.duration });
  built.chats.finish();
  return built;
}
