import { z } from 'zod';
import type { NodeContext, NodeId, TimerHandle } from '../../engine/index.js';
import type { ChatLog } from '../measure/chat-log.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationUs, positiveDurationUs, positiveInt } from '../kit/units.js';
import type {
  ChatLocate,
  ChatLocateReply,
  ChatPresenceFanout,
  ChatRoute,
  ChatRoutesRequest,
  ChatRoutesSnapshot,
  ChatServerStatus,
  ChatSession,
  ChatSessionsRequest,
} from './chat-messages.js';
import { chatPopulationOf, type ChatPopulation } from './chat-population.js';

type DirectoryMessage = ChatLocate | ChatServerStatus | ChatSession | ChatRoutesRequest;

/** What the directory knows of one chat server, from its status reports and sessions. */
interface ServerSlot {
  readonly node: NodeId;
  incarnation: number;
  lastStatusLocalUs: number;
  /** Sessions it reported, and the devices sent to it since that report (so a burst of locates is spread, not all sent to one). */
  reported: number;
  assigned: number;
  capacity: number;
  /** Silent past statusTimeout: its sessions are closed and locates avoid it until it reports again. */
  down: boolean;
}

const CHECK = 1;
const GRACE = 2;

/** What every node of a directory shares; its params are also read by the servers (statusInterval) through paramsOf. */
export interface ChatDirectoryRuntime {
  readonly params: ChatDirectoryParams;
  readonly chats: ChatLog;
  readonly metrics: ComponentMetrics;
  population(): ChatPopulation;
  rttUs(a: NodeId, b: NodeId): number;
}

/**
 * The chat session directory and presence service, on one node.
 *
 * Servers: each chat server reports its sessions and capacity every
 * statusInterval; one silent for statusTimeout (on the directory's clock) is
 * down, and every session it held is closed then, so until the timeout a
 * crashed server's devices still look online and locates may still send
 * devices to it (the stale-routing window). A report with a higher
 * incarnation means the server restarted: its earlier sessions are closed at
 * once. A server that reports again after being declared down (a partition
 * healed) is asked to register its sessions again.
 *
 * Locate: among servers up and not full (reported sessions < capacity),
 * the nearest are those within nearTolerance of the smallest round trip
 * from the asking device's node (ctx.rttUs, by regions); of those, the
 * least loaded by (reported sessions + devices sent there since the report)
 * over capacity, then the nearer, then the first to have reported. A server
 * that fills up between reports refuses connects itself (`full`). The
 * server the device says it just lost or could not reach is left out
 * unless it is the only one: up for the directory is not reachable from
 * every device (a partition between a client region and one server, or a
 * crash inside the stale-routing window).
 *
 * Sessions and presence: servers register sessions (device → server) open
 * and closed; every change goes to each store node (its routing table for
 * fan-out). A user is online while at least one of its devices has a
 * session. Coming online, or going offline (after offlineGrace without a
 * session, if set), is told to each contact's devices that have a session,
 * as one `chat-presence-fanout` per server holding some: a user in a big
 * group reaches every member, the presence storm. Declaring offline a user
 * of which ChatLog sees some device connected counts a false offline.
 * Volatile: a restarted directory asks each server to register its sessions
 * again as it reports.
 */
export class ChatDirectory implements InspectableProcess<DirectoryMessage> {
  private readonly slots: ServerSlot[] = [];
  private readonly slotOf = new Map<NodeId, number>();
  private readonly stores: NodeId[] = [];
  private population!: ChatPopulation;
  private devicesPerUser = 1;
  /** Per device: the slot of the server holding its session, −1 for none; and that session's server incarnation. */
  private slotOfDevice = new Int32Array(0);
  private incarnationOfDevice = new Int32Array(0);
  /** Per user: sessions open, whether it is declared online, and the stamp that dedupes contacts in a fan-out. */
  private sessionsOfUser = new Int32Array(0);
  private declaredOnline = new Uint8Array(0);
  private stamp = new Int32Array(0);
  private stampNow = 0;
  private readonly graceTimers = new Map<number, TimerHandle>();
  private rtts = new Float64Array(8);
  private batches: (number[] | null)[] = [];
  private sessions = 0;
  private online = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly runtime: ChatDirectoryRuntime,
  ) {}

  inspect(): InspectedState {
    let up = 0;
    for (const s of this.slots) if (!s.down) up++;
    return {
      servers: this.slots.length,
      serversUp: up,
      stores: this.stores.length,
      sessions: this.sessions,
      usersOnline: this.online,
      offlinePending: this.graceTimers.size,
    };
  }

  onStart(): void {
    this.population = this.runtime.population();
    const { users, devicesPerUser } = this.population;
    this.devicesPerUser = devicesPerUser;
    const devices = users * devicesPerUser;
    this.slotOfDevice = new Int32Array(devices).fill(-1);
    this.incarnationOfDevice = new Int32Array(devices);
    this.sessionsOfUser = new Int32Array(users);
    this.declaredOnline = new Uint8Array(users);
    this.stamp = new Int32Array(users);
    this.ctx.setTimer(this.runtime.params.statusInterval, CHECK);
  }

  onMessage(from: NodeId, message: DirectoryMessage): void {
    switch (message.kind) {
      case 'chat-locate':
        this.locate(from, message);
        return;
      case 'chat-server-status':
        this.status(message);
        return;
      case 'chat-session':
        this.session(message);
        return;
      case 'chat-routes-request':
        this.routesRequest(from, message.full);
        return;
    }
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === CHECK) {
      this.checkServers();
      this.ctx.setTimer(this.runtime.params.statusInterval, CHECK);
      return;
    }
    if (tag === GRACE) {
      const user = data as number;
      this.graceTimers.delete(user);
      if (this.sessionsOfUser[user] === 0) this.declare(user, false);
    }
  }

  private locate(from: NodeId, request: ChatLocate): void {
    const now = this.ctx.nowUs;
    const metrics = this.runtime.metrics;
    metrics.recordArrival(false, now);
    let best = this.pick(from, request.avoid);
    if (best < 0 && request.avoid >= 0) best = this.pick(from, -1);
    let server = -1;
    if (best >= 0) {
      this.slots[best].assigned++;
      server = this.slots[best].node;
    } else {
      metrics.countDetail('noServer', now);
    }
    metrics.recordServed(now, now);
    this.ctx.send(
      from,
      {
        kind: 'chat-locate-reply',
        id: request.id,
        device: request.device,
        server,
        retryAfterUs: server < 0 ? this.runtime.params.statusInterval : 0,
      } satisfies ChatLocateReply,
      0,
    );
  }

  /** The slot of the server to send a device on node `from` to (see the class comment), leaving out the server on node `avoid`; −1 for none. */
  private pick(from: NodeId, avoid: NodeId): number {
    const slots = this.slots;
    if (this.rtts.length < slots.length) this.rtts = new Float64Array(slots.length * 2);
    let nearest = Infinity;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      // Full by its own report only: locates answered since (devices refused by admission ask again) rank it, they do not fill it.
      if (s.down || s.reported >= s.capacity || s.node === avoid) {
        this.rtts[i] = Infinity;
        continue;
      }
      const rtt = this.runtime.rttUs(from, s.node);
      this.rtts[i] = rtt;
      if (rtt < nearest) nearest = rtt;
    }
    let best = -1;
    let bestLoad = Infinity;
    const limit = nearest + this.runtime.params.nearTolerance;
    for (let i = 0; i < slots.length && nearest < Infinity; i++) {
      const rtt = this.rtts[i];
      if (!(rtt <= limit)) continue;
      const s = slots[i];
      const load = (s.reported + s.assigned) / s.capacity;
      if (load < bestLoad || (load === bestLoad && rtt < this.rtts[best])) {
        best = i;
        bestLoad = load;
      }
    }
    return best;
  }

  private slotFor(node: NodeId): number {
    let i = this.slotOf.get(node);
    if (i !== undefined) return i;
    i = this.slots.length;
    this.slots.push({
      node,
      incarnation: -1,
      lastStatusLocalUs: this.ctx.localTimeUs(),
      reported: 0,
      assigned: 0,
      capacity: 0,
      down: false,
    });
    this.batches.push(null);
    this.slotOf.set(node, i);
    // Whatever it holds from before this directory started (a directory restart) is registered again.
    this.ctx.send(node, { kind: 'chat-sessions-request', dropped: false } satisfies ChatSessionsRequest, 0);
    return i;
  }

  private status(status: ChatServerStatus): void {
    const i = this.slotFor(status.server);
    const s = this.slots[i];
    if (status.incarnation < s.incarnation) return;
    if (status.incarnation > s.incarnation) this.restarted(i, status.incarnation);
    if (s.down) {
      s.down = false;
      this.ctx.send(s.node, { kind: 'chat-sessions-request', dropped: true } satisfies ChatSessionsRequest, 0);
    }
    s.lastStatusLocalUs = this.ctx.localTimeUs();
    s.reported = status.connections;
    s.assigned = 0;
    s.capacity = status.capacity;
  }

  /** The server on slot i started again as `incarnation`: sessions of earlier incarnations are gone. */
  private restarted(i: number, incarnation: number): void {
    const s = this.slots[i];
    if (s.incarnation >= 0) this.closeAllOf(i, incarnation);
    s.incarnation = incarnation;
  }

  private session(message: ChatSession): void {
    const i = this.slotFor(message.server);
    const s = this.slots[i];
    if (message.incarnation < s.incarnation) return;
    if (message.incarnation > s.incarnation) this.restarted(i, message.incarnation);
    const device = message.device;
    if (device < 0 || device >= this.slotOfDevice.length) return;
    if (message.open) this.open(device, i, message.incarnation);
    else if (this.slotOfDevice[device] === i) this.close(device);
  }

  private open(device: number, slot: number, incarnation: number): void {
    const previous = this.slotOfDevice[device];
    this.slotOfDevice[device] = slot;
    this.incarnationOfDevice[device] = incarnation;
    this.route(device, this.slots[slot].node, incarnation, true);
    if (previous >= 0) return;
    this.sessions++;
    const user = (device / this.devicesPerUser) | 0;
    if (++this.sessionsOfUser[user] > 1) return;
    const pending = this.graceTimers.get(user);
    if (pending !== undefined) {
      this.ctx.cancelTimer(pending);
      this.graceTimers.delete(user);
    }
    this.declare(user, true);
  }

  private close(device: number): void {
    const slot = this.slotOfDevice[device];
    this.slotOfDevice[device] = -1;
    this.route(device, this.slots[slot].node, this.incarnationOfDevice[device], false);
    this.sessions--;
    const user = (device / this.devicesPerUser) | 0;
    if (--this.sessionsOfUser[user] > 0) return;
    const graceUs = this.runtime.params.offlineGrace;
    if (graceUs <= 0) this.declare(user, false);
    else if (!this.graceTimers.has(user)) this.graceTimers.set(user, this.ctx.setTimer(graceUs, GRACE, user));
  }

  /** Closes the sessions held on slot i by incarnations before `before` (all of them when Infinity). */
  private closeAllOf(slot: number, before: number): void {
    const slots = this.slotOfDevice;
    for (let d = 0; d < slots.length; d++) if (slots[d] === slot && this.incarnationOfDevice[d] < before) this.close(d);
  }

  private checkServers(): void {
    const local = this.ctx.localTimeUs();
    const timeoutUs = this.runtime.params.statusTimeout;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (s.down || local - s.lastStatusLocalUs <= timeoutUs) continue;
      s.down = true;
      this.runtime.metrics.countDetail('serversDeclaredDown', this.ctx.nowUs);
      this.closeAllOf(i, Infinity);
    }
  }

  private route(device: number, server: NodeId, incarnation: number, open: boolean): void {
    for (const store of this.stores)
      this.ctx.send(store, { kind: 'chat-route', device, server, incarnation, open } satisfies ChatRoute, 0);
  }

  /**
   * A store node registers: it gets every later change, and the whole table
   * when it asks (it restarted). A store this directory did not know (the
   * directory restarted) keeps its own table: this one is still being
   * rebuilt from the servers' registrations.
   */
  private routesRequest(from: NodeId, full: boolean): void {
    if (!this.stores.includes(from)) this.stores.push(from);
    if (!full) return;
    const serverOf = new Int32Array(this.slotOfDevice.length);
    for (let d = 0; d < serverOf.length; d++) {
      const slot = this.slotOfDevice[d];
      serverOf[d] = slot < 0 ? -1 : this.slots[slot].node;
    }
    const snapshot: ChatRoutesSnapshot = {
      kind: 'chat-routes-snapshot',
      serverOf,
      incarnationOf: this.incarnationOfDevice.slice(),
    };
    this.ctx.send(from, snapshot, 8 * serverOf.length);
  }

  /** Declares `user` online or offline and tells its contacts' connected devices. */
  private declare(user: number, online: boolean): void {
    if ((this.declaredOnline[user] === 1) === online) return;
    const chats = this.runtime.chats;
    const now = this.ctx.nowUs;
    this.declaredOnline[user] = online ? 1 : 0;
    this.online += online ? 1 : -1;
    const dpu = this.devicesPerUser;
    if (!online) {
      for (let d = user * dpu; d < (user + 1) * dpu; d++)
        if (chats.isConnected(d)) {
          chats.count('falseOffline', now);
          break;
        }
    }
    const params = this.runtime.params;
    if (!params.presence) return;
    const p = this.population;
    const limit = params.presenceGroupLimit;
    if (limit === undefined) {
      for (let i = p.contactStart[user]; i < p.contactStart[user + 1]; i++) this.addContact(p.contacts[i]);
    } else {
      // Contacts through one-to-one conversations and groups within the limit only, each once.
      const stamp = ++this.stampNow;
      this.stamp[user] = stamp;
      for (let i = p.conversationStart[user]; i < p.conversationStart[user + 1]; i++) {
        const c = p.userConversations[i];
        const from = p.memberStart[c];
        const to = p.memberStart[c + 1];
        if (c >= p.oneToOne && to - from > limit) continue;
        for (let j = from; j < to; j++) {
          const v = p.members[j];
          if (this.stamp[v] === stamp) continue;
          this.stamp[v] = stamp;
          this.addContact(v);
        }
      }
    }
    for (let i = 0; i < this.batches.length; i++) {
      const devices = this.batches[i];
      if (devices === null) continue;
      this.batches[i] = null;
      this.ctx.send(
        this.slots[i].node,
        { kind: 'chat-presence-fanout', user, online, devices } satisfies ChatPresenceFanout,
        8 + 4 * devices.length,
      );
    }
  }

  /** Adds contact v's devices that hold a session to their servers' batches. */
  private addContact(v: number): void {
    const dpu = this.devicesPerUser;
    for (let d = v * dpu; d < (v + 1) * dpu; d++) {
      const slot = this.slotOfDevice[d];
      if (slot < 0) continue;
      (this.batches[slot] ??= []).push(d);
    }
  }
}

export const chatDirectoryParams = z.strictObject({
  statusInterval: positiveDurationUs
    .default(1_000_000)
    .describe('How often each chat server reports its sessions and capacity to the directory.'),
  statusTimeout: positiveDurationUs
    .default(3_000_000)
    .describe(
      "A server silent this long (on the directory's clock) is down: its sessions are closed (its users go offline unless another device holds a session) and locates avoid it. Until then a crashed server's devices still look online: the stale-routing window. Checked every statusInterval.",
    ),
  nearTolerance: durationUs
    .default(5_000)
    .describe(
      'Locate: servers whose round trip from the device is within this much of the nearest one count as near; the least loaded of those is chosen (0: strictly the nearest, load only breaks ties).',
    ),
  presence: z
    .boolean()
    .default(true)
    .describe('Tell contacts when a user comes online or goes offline (false: no presence fan-out at all).'),
  presenceGroupLimit: positiveInt
    .optional()
    .describe(
      'Leave out groups bigger than this from presence fan-out (one-to-one contacts are always told), as large chat services do to avoid presence storms; absent: every contact, groups of any size.',
    ),
  offlineGrace: durationUs
    .default(0)
    .describe(
      'Declare a user offline only after it has had no session this long (a reconnect within it sends no offline/online pair to its contacts); 0: at once.',
    ),
});

export type ChatDirectoryParams = z.output<typeof chatDirectoryParams>;

export const chatDirectoryModel: ModelDefinition<typeof chatDirectoryParams> = {
  type: 'chat-directory',
  role: 'component',
  description:
    'The chat session directory and presence service: servers report status (down when silent past statusTimeout, their sessions closed); chat-locate answers the nearest server by RTT (within nearTolerance of the nearest) among those up and not full, then the least loaded; keeps the session table (device → server), pushes it to the chat stores, and fans presence changes out to contacts.',
  params: chatDirectoryParams,
  check: (params, instance) => [
    ...(instance.nodeCount === 1
      ? []
      : [
          {
            path: ['nodes'],
            message: `the chat directory runs on one node, but its group has ${instance.nodeCount}; give the group count: 1`,
          },
        ]),
    ...(params.statusTimeout > params.statusInterval
      ? []
      : [
          {
            path: ['statusTimeout'],
            message:
              'statusTimeout must be longer than statusInterval, or every server is declared down between reports',
          },
        ]),
  ],
  checkAmong: (_params, self, instances) =>
    instances.some((i) => i.type === 'chat-clients' && i.params.directory === self)
      ? []
      : [
          {
            path: ['type'],
            message: `no chat-clients workload names "${self}" as its directory, so it has no users; add one with directory: ${self}`,
          },
        ],
  instantiate(params, ctx) {
    const metrics = ctx.componentMetrics(0);
    metrics.noteDetail('noServer', 0);
    metrics.noteDetail('serversDeclaredDown', 0);
    let population: ChatPopulation | null = null;
    const runtime: ChatDirectoryRuntime = {
      params,
      chats: ctx.chats,
      metrics,
      population: () => (population ??= chatPopulationOf(ctx, ctx.name)),
      rttUs: (a, b) => ctx.rttUs(a, b),
    };
    return () => (nodeCtx) => new ChatDirectory(nodeCtx, runtime);
  },
};
