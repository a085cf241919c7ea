import type { ChatClientsParams } from '../../models/chat/chat-clients.js';
import { DEFAULT_SETUP_ROUND_TRIPS } from '../../models/chat/chat-protocols.js';
import type { ChatServerParams } from '../../models/chat/chat-server.js';
import type { ChatStoreParams } from '../../models/chat/chat-store.js';
import type { BuiltScenario } from '../../scenarios/harness/build-scenario.js';
import type { ChatProtocolTheory, ChatReport, ChatTheoryRow } from '../report-types.js';
import type { Instance } from '../theory-inputs.js';

type ChatClients = Instance & ChatClientsParams;
type ServerCosts = Instance & ChatServerParams;
type StoreCosts = Instance & ChatStoreParams;

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/**
 * Each chat-clients workload's protocol in closed form, beside what the run
 * measured:
 *
 * - Idle requests per connected device per second: short polling sends a
 *   poll every pollInterval whatever the traffic, 1/I; long polling's poll
 *   is held pollTimeout when nothing arrives, 1/T; WebSockets and SSE send a
 *   heartbeat every heartbeatInterval, 1/H (polling devices send none).
 *   Simulated: polls per connected device-second (short polling), empty polls
 *   and heartbeats per connected device-second (the others).
 * - Delivery delay with nothing queued: the push chain sender → chat server
 *   → store → chat server → device is two client and two server one-way
 *   trips, c and s (half the topology's mean round trips: each client to its
 *   nearest server, servers to stores), plus the CPU on the way: the send at
 *   the server (a frame over a WebSocket, a request otherwise), the store's
 *   append and its fan-out job (a job for every recipient device, all done
 *   before any leaves: a one-to-one message has 2 × devicesPerUser − 1),
 *   the frame written to the device: 2c + 2s + CPU. Short polling
 *   adds the wait for the device's next poll, which comes every I from the
 *   previous one's send, so I/2 on average, and the poll's request. Long
 *   polling is a push while a poll is held (the poll's renewal, a round trip
 *   after each answer, is left out). Simulated: the mean delivery latency.
 * - Connection set-up: one round trip to the directory (d one way), then the
 *   protocol's k round trips to the server, the last being the connect and
 *   its handshake CPU: 2d + 2kc + handshake. Simulated: the mean set-up time
 *   of every connect that succeeded, the warm-up's included.
 *
 * The formulas describe steady connections: none for a run with faults (a
 * crash's reconnects and syncs are no steady state) nor for a workload
 * whose devices go offline (a message then waits for its recipient's
 * return, and a short session may end before its first heartbeat).
 * Queueing at the servers and the store is left out: they hold for lightly
 * loaded servers, as in chat-protocols.
 */
export function chatProtocolTheory(built: BuiltScenario, section: ChatReport): ChatProtocolTheory[] {
  const { scenario, sim } = built;
  const groupNodes = (group: string) =>
    Array.from({ length: scenario.topology.nodes[group]?.count ?? 0 }, (_, i) => sim.nodeId(`${group}-${i + 1}`));
  const ofDirectory = <T extends Instance>(type: string, directory: string) =>
    Object.values(scenario.components)
      .map((c) => c as Instance)
      .filter((c) => c.type === type && c.directory === directory) as T[];
  const oneWayUs = (a: number, b: number) => sim.network.meanRttUs(sim.regionOf(a), sim.regionOf(b)) / 2;
  const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length);
  // The directory sends each device to a server near it by round trip.
  const nearest = (from: number, to: number[]) =>
    to.length === 0 ? 0 : to.reduce((best, node) => Math.min(best, oneWayUs(from, node)), Infinity);
  if (scenario.faults.timeline.length > 0 || scenario.faults.random.length > 0) return [];
  const workloads = Object.entries(scenario.workloads).filter(
    ([, w]) => (w as Instance).type === 'chat-clients' && (w as Instance as ChatClients).offline === undefined,
  );
  return workloads.map(([name, raw]) => {
    const w = raw as Instance as ChatClients;
    const clients = groupNodes(w.nodes);
    const serverComponents = ofDirectory<ServerCosts>('chat-server', w.directory);
    const storeComponents = ofDirectory<StoreCosts>('chat-store', w.directory);
    const servers = serverComponents.flatMap((c) => groupNodes(c.nodes));
    const stores = storeComponents.flatMap((c) => groupNodes(c.nodes));
    const directory = scenario.components[w.directory] as Instance | undefined;
    const directoryNodes = directory === undefined ? [] : groupNodes(directory.nodes).slice(0, 1);
    const c = mean(clients.map((node) => nearest(node, servers)));
    const s = mean(servers.flatMap((server) => stores.map((store) => oneWayUs(server, store))));
    const d = mean(clients.map((node) => nearest(node, directoryNodes)));
    const server = serverComponents[0]?.costs ?? { handshake: 0, request: 0, frame: 0 };
    const store = storeComponents[0] ?? { appendTime: 0, fanoutTime: 0 };
    const protocol = w.protocol;
    const k = w.setupRoundTrips ?? DEFAULT_SETUP_ROUND_TRIPS[protocol];
    const transit = 2 * c + 2 * s;
    const cpu =
      (protocol === 'websocket' ? server.frame : server.request) +
      store.appendTime +
      store.fanoutTime * (2 * w.devicesPerUser - 1) +
      server.frame;
    const load = section.load;
    const latency = section.delivery.latency.count === 0 ? null : section.delivery.latency.meanUs;
    const idle = (formula: string, intervalUs: number, simulated: number | null) =>
      row('idle-requests', 'requests per device per second, idle', 'perSec', formula, 1e6 / intervalUs, simulated);
    const chain = `2c + 2s + CPU = ${ms(transit)} + ${ms(cpu)}`;
    const rows: ChatTheoryRow[] = [];
    if (protocol === 'short-polling') {
      const pollCpu = cpu + server.request;
      rows.push(
        idle(`1/pollInterval = 1/${secondsText(w.pollInterval)}`, w.pollInterval, load.pollsPerDevicePerSec),
        row(
          'delivery-delay',
          'mean delivery delay',
          'us',
          `pollInterval/2 + 2c + 2s + CPU = ${ms(w.pollInterval / 2)} + ${ms(transit)} + ${ms(pollCpu)}`,
          w.pollInterval / 2 + transit + pollCpu,
          latency,
        ),
      );
    } else if (protocol === 'long-polling') {
      // Traffic answers polls before the timeout, so a device's empty polls only approach 1/T: a bound, not a figure to match.
      const bound = idle(
        `at most 1/pollTimeout = 1/${secondsText(w.pollTimeout)}; fewer as messages answer polls`,
        w.pollTimeout,
        load.idleRequestsPerDevicePerSec,
      );
      rows.push(
        { ...bound, relativeDifference: null },
        row('delivery-delay', 'mean delivery delay', 'us', `${chain} (a poll held)`, transit + cpu, latency),
      );
    } else {
      rows.push(
        idle(
          `1/heartbeatInterval = 1/${secondsText(w.heartbeatInterval)}`,
          w.heartbeatInterval,
          load.idleRequestsPerDevicePerSec,
        ),
        row('delivery-delay', 'mean delivery delay', 'us', chain, transit + cpu, latency),
      );
    }
    const connect = section.connections.setupLatency;
    rows.push(
      row(
        'connect-setup',
        'connection set-up',
        'us',
        `2d + ${k} × 2c + handshake = ${ms(2 * d)} + ${k} × ${ms(2 * c)} + ${ms(server.handshake)}`,
        2 * d + k * 2 * c + server.handshake,
        connect.count > 0 ? connect.meanUs : null,
      ),
    );
    return {
      workload: name,
      protocol,
      pollIntervalUs: protocol === 'short-polling' ? w.pollInterval : null,
      pollTimeoutUs: protocol === 'long-polling' ? w.pollTimeout : null,
      heartbeatIntervalUs: protocol === 'websocket' || protocol === 'sse' ? w.heartbeatInterval : null,
      setupRoundTrips: k,
      clientOneWayUs: round(c, 3),
      serverOneWayUs: round(s, 3),
      rows,
    };
  });
}

function row(
  key: ChatTheoryRow['key'],
  label: string,
  unit: ChatTheoryRow['unit'],
  formula: string,
  theory: number,
  simulated: number | null,
): ChatTheoryRow {
  const t = unit === 'us' ? Math.round(theory) : round(theory, 6);
  return {
    key,
    label,
    unit,
    formula,
    theory: t,
    simulated,
    relativeDifference: simulated === null || t === 0 ? null : round((simulated - t) / t, 6),
  };
}

const secondsText = (us: number) => `${round(us / 1e6, 3)}s`;
const ms = (us: number) => `${round(us / 1000, 2)}ms`;
