/**
 * The M/M/1 queue (Poisson arrivals, exponential service, one server, FIFO) written twice outside faultline, to
 * put its `mm1` scenario in proportion: as a bare event loop over typed arrays, the fastest a JavaScript
 * simulation of this model can reasonably be, and as SimPy structures it (an Environment with a heap of entries,
 * an object per event with its callbacks, generator processes, a Resource with a request queue), written in
 * TypeScript so the bench needs no Python. Their ratio is the cost of an object-per-event design.
 */

/** Draws from Exp(rate) by inversion of a xorshift32 stream: the same sequence for both loops. */
class Exponential {
  private x: number;
  constructor(
    seed: number,
    private readonly ratePerSec: number,
  ) {
    this.x = seed | 0 || 1;
  }

  next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x;
    return -Math.log(((x >>> 0) + 0.5) / 2 ** 32) / this.ratePerSec;
  }
}

export interface Mm1Parameters {
  arrivalsPerSec: number;
  servicesPerSec: number;
}

/** What a loop has done so far; a benchmark continues the same run batch after batch. */
export interface Mm1Loop {
  /** Runs until `customers` more have left the server. */
  run(customers: number): void;
  readonly completed: number;
  /** Mean time from arrival to departure so far, in seconds. */
  readonly meanSojournSec: number;
}

const ARRIVAL = 0;
const DEPARTURE = 1;

/** A binary heap of (time, kind) in typed arrays and a ring buffer of waiting customers' arrival times. */
export class BareMm1 implements Mm1Loop {
  private times = new Float64Array(16);
  private kinds = new Uint8Array(16);
  private pending = 0;
  private waiting = new Float64Array(1024);
  private head = 0;
  private queued = 0;
  private inServiceSince = -1;
  private nowSec = 0;
  private sojournSumSec = 0;
  completed = 0;
  private readonly arrivals: Exponential;
  private readonly services: Exponential;

  constructor(p: Mm1Parameters, seed = 1) {
    this.arrivals = new Exponential(seed, p.arrivalsPerSec);
    this.services = new Exponential(seed * 7919, p.servicesPerSec);
    this.push(this.arrivals.next(), ARRIVAL);
  }

  get meanSojournSec(): number {
    return this.sojournSumSec / this.completed;
  }

  run(customers: number): void {
    const until = this.completed + customers;
    while (this.completed < until) {
      this.nowSec = this.times[0];
      const kind = this.kinds[0];
      this.pop();
      if (kind === ARRIVAL) {
        this.push(this.nowSec + this.arrivals.next(), ARRIVAL);
        if (this.inServiceSince < 0) this.startService(this.nowSec);
        else this.enqueue(this.nowSec);
      } else {
        this.sojournSumSec += this.nowSec - this.inServiceSince;
        this.completed++;
        this.inServiceSince = -1;
        if (this.queued > 0) {
          const arrivedSec = this.waiting[this.head];
          this.head = (this.head + 1) & (this.waiting.length - 1);
          this.queued--;
          this.startService(arrivedSec);
        }
      }
    }
  }

  /** `inServiceSince` holds the arrival time of the customer in service, for its sojourn. */
  private startService(arrivedSec: number): void {
    this.inServiceSince = arrivedSec;
    this.push(this.nowSec + this.services.next(), DEPARTURE);
  }

  private enqueue(arrivedSec: number): void {
    if (this.queued === this.waiting.length) {
      const grown = new Float64Array(this.waiting.length * 2);
      for (let i = 0; i < this.queued; i++) grown[i] = this.waiting[(this.head + i) & (this.waiting.length - 1)];
      this.waiting = grown;
      this.head = 0;
    }
    this.waiting[(this.head + this.queued) & (this.waiting.length - 1)] = arrivedSec;
    this.queued++;
  }

  private push(timeSec: number, kind: number): void {
    let i = this.pending++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.times[parent] <= timeSec) break;
      this.times[i] = this.times[parent];
      this.kinds[i] = this.kinds[parent];
      i = parent;
    }
    this.times[i] = timeSec;
    this.kinds[i] = kind;
  }

  private pop(): void {
    const last = --this.pending;
    const timeSec = this.times[last];
    const kind = this.kinds[last];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.times[child + 1] < this.times[child]) child++;
      if (this.times[child] >= timeSec) break;
      this.times[i] = this.times[child];
      this.kinds[i] = this.kinds[child];
      i = child;
    }
    this.times[i] = timeSec;
    this.kinds[i] = kind;
  }
}

// SimPy's structures: Environment, Event (with callbacks), Timeout, Process (a generator), Resource and Request.

const URGENT = 0;
const NORMAL = 1;

class SimEvent {
  callbacks: ((event: SimEvent) => void)[] = [];
  constructor(readonly env: Environment) {}

  succeed(): this {
    this.env.schedule(this, NORMAL, 0);
    return this;
  }
}

class Timeout extends SimEvent {
  constructor(env: Environment, delaySec: number) {
    super(env);
    env.schedule(this, NORMAL, delaySec);
  }
}

type ProcessBody = Generator<SimEvent, void, void>;

class Process extends SimEvent {
  constructor(
    env: Environment,
    private readonly body: ProcessBody,
  ) {
    super(env);
    const start = new SimEvent(env);
    start.callbacks.push(() => this.resume());
    env.schedule(start, URGENT, 0);
  }

  private resume(): void {
    const step = this.body.next();
    if (step.done) this.succeed();
    else step.value.callbacks.push(() => this.resume());
  }
}

class Request extends SimEvent {}

class Resource {
  private readonly users: Request[] = [];
  private readonly queue: Request[] = [];
  constructor(
    private readonly env: Environment,
    private readonly capacity: number,
  ) {}

  request(): Request {
    const request = new Request(this.env);
    this.queue.push(request);
    this.grant();
    return request;
  }

  release(request: Request): void {
    this.users.splice(this.users.indexOf(request), 1);
    this.grant();
  }

  private grant(): void {
    while (this.users.length < this.capacity && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.users.push(next);
      next.succeed();
    }
  }
}

/** SimPy's heap entry: (time, priority, event id, event). */
interface Entry {
  timeSec: number;
  priority: number;
  id: number;
  event: SimEvent;
}

const before = (a: Entry, b: Entry) =>
  a.timeSec !== b.timeSec ? a.timeSec < b.timeSec : a.priority !== b.priority ? a.priority < b.priority : a.id < b.id;

class Environment {
  nowSec = 0;
  private readonly heap: Entry[] = [];
  private nextId = 0;

  schedule(event: SimEvent, priority: number, delaySec: number): void {
    const entry = { timeSec: this.nowSec + delaySec, priority, id: this.nextId++, event };
    const heap = this.heap;
    let i = heap.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }

  timeout(delaySec: number): Timeout {
    return new Timeout(this, delaySec);
  }

  process(body: ProcessBody): Process {
    return new Process(this, body);
  }

  step(): void {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= heap.length) break;
        if (child + 1 < heap.length && before(heap[child + 1], heap[child])) child++;
        if (!before(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    this.nowSec = top.timeSec;
    const callbacks = top.event.callbacks;
    top.event.callbacks = [];
    for (const callback of callbacks) callback(top.event);
  }
}

export class SimPyStyleMm1 implements Mm1Loop {
  private readonly env = new Environment();
  private readonly server = new Resource(this.env, 1);
  private sojournSumSec = 0;
  completed = 0;

  constructor(p: Mm1Parameters, seed = 1) {
    const arrivals = new Exponential(seed, p.arrivalsPerSec);
    const services = new Exponential(seed * 7919, p.servicesPerSec);
    this.env.process(this.source(arrivals, services));
  }

  get meanSojournSec(): number {
    return this.sojournSumSec / this.completed;
  }

  run(customers: number): void {
    const until = this.completed + customers;
    while (this.completed < until) this.env.step();
  }

  private *source(arrivals: Exponential, services: Exponential): ProcessBody {
    for (;;) {
      yield this.env.timeout(arrivals.next());
      this.env.process(this.customer(services));
    }
  }

  private *customer(services: Exponential): ProcessBody {
    const arrivedSec = this.env.nowSec;
    const request = this.server.request();
    yield request;
    yield this.env.timeout(services.next());
    this.server.release(request);
    this.sojournSumSec += this.env.nowSec - arrivedSec;
    this.completed++;
  }
}
