import fc from 'fast-check';
import { expect } from 'vitest';
import type { BuiltScenario } from '../../scenarios/harness/build-scenario.js';
import {
  generateChatPopulation,
  type ChatPopulation,
  type ChatPopulationSpec,
} from '../../models/chat/chat-population.js';
import { chatScenarioText, runChatScenario } from './chat-scenario.js';

/**
 * A small chat system with one fault, run to a quiet end, and the check of
 * chat's promise: per conversation, every device ends up with every stored
 * message (but its own) exactly once and in sequence order; duplicates may
 * arrive but are dropped and counted; with after-store acks nothing
 * acknowledged is lost, nothing is left undelivered or unacknowledged.
 */

export interface ChatFault {
  protocol: string;
  atMs: number;
  /** Restart this long after the crash (never when null), or how long the cut lasts. */
  downMs: number | null;
  /** The node that crashes: a chat server (srv-1 … srv-3) or a store node (st-1, st-2); or the server cut off. */
  node: string;
  /** crash (the default); or, for downMs, a cut between the node and the directory, or the node and every phone. */
  kind?: 'crash' | 'cut-from-directory' | 'cut-from-phones';
}

/** fast-check's cuts: one server cut off from the directory or from every phone at 0.5–14 s, for 0.5–8 s, under any protocol. */
export const cuts: fc.Arbitrary<ChatFault> = fc.record({
  protocol: fc.constantFrom('websocket', 'sse', 'long-polling', 'short-polling'),
  atMs: fc.integer({ min: 500, max: 14_000 }),
  downMs: fc.integer({ min: 500, max: 8_000 }),
  node: fc.constantFrom('srv-1', 'srv-2', 'srv-3'),
  kind: fc.constantFrom('cut-from-directory' as const, 'cut-from-phones' as const),
});

/** fast-check's faults: a crash of one of `nodes` at 0.5–14 s, restarted 0.1–10 s later or never, under any protocol. */
export const crashes = (nodes: readonly string[]): fc.Arbitrary<ChatFault> =>
  fc.record({
    protocol: fc.constantFrom('websocket', 'sse', 'long-polling', 'short-polling'),
    atMs: fc.integer({ min: 500, max: 14_000 }),
    downMs: fc.option(fc.integer({ min: 100, max: 10_000 }), { nil: null }),
    node: fc.constantFrom(...nodes),
  });

function faultLines(fault: ChatFault): string[] {
  const { atMs, downMs, node } = fault;
  if (fault.kind === 'cut-from-directory' || fault.kind === 'cut-from-phones') {
    const other = fault.kind === 'cut-from-directory' ? 'dir-1' : 'phone';
    return [`{ at: ${atMs}ms, action: partition, sides: [${other}, ${node}], for: ${downMs ?? 0}ms }`];
  }
  const crash = `{ at: ${atMs}ms, action: crash, nodes: [${node}] }`;
  return downMs === null ? [crash] : [crash, `{ at: ${atMs + downMs}ms, action: restart, nodes: [${node}] }`];
}

/** 3 servers, 2 store nodes, 30 users with 2 devices each, 3 groups; messages until 15s, then a quiet end at 30s. */
export const scenarioText = (fault: ChatFault) =>
  chatScenarioText({
    name: 'chat-order',
    seed: 11,
    duration: '30s',
    phones: 30,
    servers: 3,
    stores: 2,
    directory: 'statusInterval: 500ms, statusTimeout: 1500ms',
    server: 'heartbeatTimeout: 5s',
    clients: [
      `protocol: ${fault.protocol}, pollInterval: 500ms, pollTimeout: 2s`,
      'devicesPerUser: 2, contactsPerUser: 2, groups: [{ count: 3, size: 6 }], messageRate: 2/s, groupShare: 40%',
      'heartbeatInterval: 1s, heartbeatTimeout: 500ms, connectTimeout: 1s, requestTimeout: 1s, stopAt: 15s',
      'reconnect: { policy: jittered-backoff, base: 200ms, max: 2s }',
    ].join(', '),
    faults: faultLines(fault),
  });

export interface Streams {
  /** Per (device, conversation): the seqs delivered, in delivery order. */
  delivered: Map<number, number[]>;
  /** Per (conversation, seq): the device that sent it. */
  senders: Map<number, number>;
}

const key = (a: number, b: number) => a * 1_000_000 + b;

/** Runs the scenario to its end, recording every in-order delivery. */
export function run(text: string): { built: BuiltScenario; streams: Streams } {
  const streams: Streams = { delivered: new Map(), senders: new Map() };
  const built = runChatScenario(text, (b) =>
    b.chats.onDelivery((device, conversation, seq, sender) => {
      const k = key(device, conversation);
      let list = streams.delivered.get(k);
      if (list === undefined) streams.delivered.set(k, (list = []));
      list.push(seq);
      const known = streams.senders.get(key(conversation, seq));
      if (known !== undefined) expect(known, `the sender of ${conversation}#${seq}`).toBe(sender);
      streams.senders.set(key(conversation, seq), sender);
    }),
  );
  return { built, streams };
}

/** The run's population, drawn again from the workload's stream as the workload drew it. */
function populationOf(built: BuiltScenario): ChatPopulation {
  const params = built.scenario.workloads.users as unknown as ChatPopulationSpec;
  return generateChatPopulation(
    {
      users: built.scenario.topology.nodes.phone.count,
      devicesPerUser: params.devicesPerUser,
      contactsPerUser: params.contactsPerUser,
      groups: params.groups,
    },
    built.sim.stream('users', 'chat-population'),
  );
}

/**
 * Every device holds, per conversation, every stored seq but its own, once
 * and in order; the end-of-run counts agree: nothing lost, undelivered or
 * left in an outbox.
 */
export function checkComplete(built: BuiltScenario, streams: Streams): number {
  const population = populationOf(built);
  const chats = built.chats;
  let delivered = 0;
  for (let user = 0; user < population.users; user++) {
    for (let d = 0; d < population.devicesPerUser; d++) {
      const device = user * population.devicesPerUser + d;
      for (let i = population.conversationStart[user]; i < population.conversationStart[user + 1]; i++) {
        const conversation = population.userConversations[i];
        const stream = streams.delivered.get(key(device, conversation)) ?? [];
        const expected: number[] = [];
        for (let seq = 1; seq <= chats.storedSeq(conversation); seq++) {
          const sender = streams.senders.get(key(conversation, seq));
          // Every seq reaches the sender's other device at least, so each has a known sender.
          expect(sender, `sender of ${conversation}#${seq}`).toBeDefined();
          if (sender !== device) expected.push(seq);
        }
        expect(stream, `device ${device}, conversation ${conversation}`).toEqual(expected);
        delivered += stream.length;
      }
    }
  }
  expect(chats.undeliveredAtEnd).toBe(0);
  expect(chats.pendingAtEnd).toBe(0);
  expect(chats.lost).toBe(0);
  return delivered;
}
