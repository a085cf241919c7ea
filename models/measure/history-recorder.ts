import type { NodeId, Simulation } from '../../engine/index.js';
import type { EventType, HistoryEvent, Value } from './history-events.js';
import { MessageCapture, type DiagramWindowOptions } from './message-capture.js';
import { ReplicaSampler } from './replica-sampler.js';

/** What the checkers need beyond Jepsen's fields: who asked, in which session, and which replica answered. */
export interface RecordedEvent extends HistoryEvent {
  /** The session (a client's user) the operation belongs to: session guarantees are checked per session. */
  session: number;
  /** The replica node that answered, when known. */
  servedBy?: string;
  /** Why a `fail` or `info` ended so (Jepsen's :error): the store's reason, or `timeout` when the client gave up. */
  error?: string;
}

/** Replica samples and the messages around the first fault, taken while the run goes. */
export interface RunObservation {
  replicas: ReplicaSampler;
  messages: MessageCapture;
}

/**
 * The most operations a history keeps: past it, new operations are left out
 * (and the report says so) rather than memory growing with the run's length.
 */
export const MAX_HISTORY_OPERATIONS = 500_000;

/** Operations a capped history left out: how many, and when the first of them was invoked. */
export interface HistoryTruncation {
  keptOperations: number;
  droppedOperations: number;
  fromUs: number;
}

/** Samples per reporting window: fine enough to time convergence, cheap enough for every window. */
const SAMPLES_PER_WINDOW = 20;

/**
 * Every store operation the clients made, in Jepsen's shape: an `invoke`
 * when sent, and `ok`, `fail` or `info` (outcome unknown: timed out) when it
 * ended. A process runs one operation at a time; after an `info` the client
 * takes a new process number, as Jepsen does, since the old operation may
 * still take effect. Operations still open when the run ends stay open
 * (the checkers treat them as unknown). Past `maxOperations` it keeps only
 * the completions of operations already invoked, so it stays well formed.
 */
export class HistoryRecorder {
  readonly events: RecordedEvent[] = [];
  /** Set up by the first store client (`observe`); null in runs without one. */
  observation: RunObservation | null = null;
  /** The client node of each process, for grouping operations by the side of a partition they were on. */
  private readonly clients: NodeId[] = [];
  private operations = 0;
  /** Processes whose open operation was left out, so that its completion is left out too. */
  private readonly dropped = new Set<number>();
  /** Set once an operation is left out; null while the history is whole. */
  truncation: HistoryTruncation | null = null;

  /** `sim` is only observed (by `observe`), never driven; `diagram` places the message diagram's window. */
  constructor(
    private readonly sim: Simulation,
    private readonly diagram: Partial<DiagramWindowOptions> = {},
    private readonly maxOperations = MAX_HISTORY_OPERATIONS,
  ) {}

  /** A fresh process number (for a new client, or after an `info`), run by a user on node `client`. */
  newProcess(client: NodeId): number {
    this.clients.push(client);
    return this.clients.length - 1;
  }

  clientOf(process: number): NodeId {
    return this.clients[process];
  }

  /**
   * Starts sampling replicas and capturing messages around the first fault
   * or the scenario's chosen time (once per run, whichever store client asks first). Both are engine
   * observers that schedule nothing, so the trace is unchanged.
   */
  observe(timing: { windowUs: number; durationUs: number }): void {
    if (this.observation !== null) return;
    const sim = this.sim;
    this.observation = {
      replicas: new ReplicaSampler(
        sim,
        Math.max(1, Math.floor(timing.windowUs / SAMPLES_PER_WINDOW)),
        timing.durationUs,
      ),
      messages: new MessageCapture(sim, this.diagram),
    };
    sim.addObserver(this.observation.replicas);
    sim.addMessageObserver(this.observation.messages);
  }

  invoke(process: number, session: number, f: string, key: number, value: Value, timeUs: number): void {
    if (this.operations >= this.maxOperations) {
      this.truncation ??= { keptOperations: this.operations, droppedOperations: 0, fromUs: timeUs };
      this.truncation.droppedOperations++;
      this.dropped.add(process);
      return;
    }
    this.operations++;
    this.events.push({ process, type: 'invoke', f, key: String(key), value, timeUs, session });
  }

  complete(
    process: number,
    session: number,
    type: Exclude<EventType, 'invoke'>,
    f: string,
    key: number,
    value: Value,
    timeUs: number,
    servedBy?: string,
    error?: string,
  ): void {
    if (this.dropped.delete(process)) return;
    const event: RecordedEvent = { process, type, f, key: String(key), value, timeUs, session };
    if (servedBy !== undefined) event.servedBy = servedBy;
    if (error !== undefined) event.error = error;
    this.events.push(event);
  }

  /** One JSON object per line, the format `faultline check` reads. */
  toJsonl(): string {
    let out = '';
    for (const e of this.events) out += `${JSON.stringify(e)}\n`;
    return out;
  }
}
