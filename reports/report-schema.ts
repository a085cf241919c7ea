/**
 * report.json as zod checks it: what `faultline report` reads back before
 * drawing anything, so a damaged or hand-edited file is refused with the
 * field that is wrong rather than failing half-way through the charts.
 *
 * It declares exactly the shape of reports/report-types.ts, key for key
 * (objects are strict: an unknown key is an error); the compiler holds the
 * two to each other (`SchemaMatchesTypes` below), so a report section added
 * to the types and not here, or the reverse, fails the typecheck. The
 * comments on each field are in report-types.ts. Keys are listed in the
 * order reports are written in, since the parsed report is what
 * `faultline report --out` writes again.
 */

import { z } from 'zod';
import { REPORT_FORMAT_VERSION, type Report } from './report-types.js';

/** Finite: JSON has no NaN or Infinity, and a figure that was one reads back as null. */
const num = z.number();
const nullableNum = num.nullable();
const str = z.string();
const obj = z.strictObject;

/** How deep a free-form value (an operation's value, a store's state, an override) may nest: drawing one recurses. */
const MAX_VALUE_DEPTH = 100;

/** Any JSON value nested at most MAX_VALUE_DEPTH deep, measured without recursion. */
const jsonValue = z.unknown().check((ctx) => {
  const pending: [unknown, number][] = [[ctx.value, 0]];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const [value, depth] = item;
    if (value === null || typeof value !== 'object') continue;
    if (depth === MAX_VALUE_DEPTH) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `nested more than ${MAX_VALUE_DEPTH} levels deep` });
      return;
    }
    for (const inner of Object.values(value)) pending.push([inner, depth + 1]);
  }
});

const latencySummary = obj({
  count: num,
  meanUs: num,
  p50Us: num,
  p90Us: num,
  p95Us: num,
  p99Us: num,
  p999Us: num,
  maxUs: num,
});

const errorCounts = obj({ timeout: num, rejected: num, dropped: num, unavailable: num });

const operationOutcomes = obj({
  sent: num,
  succeeded: num,
  good: num,
  errors: errorCounts,
  availability: nullableNum,
});

const faultRecovery = obj({
  kind: str,
  label: str,
  startUs: num,
  endUs: num,
  recoveredUs: nullableNum,
  recoveryUs: nullableNum,
});

const availabilityReport = obj({
  thresholdUs: num,
  finished: num,
  overall: nullableNum,
  nines: nullableNum,
  target: nullableNum,
  downBelow: num,
  downtimeUs: num,
  noDataUs: num,
  errorBudget: obj({ allowedFailures: num, failures: num, burn: num }).nullable(),
  recovery: z.array(faultRecovery),
});

const windowRow = obj({
  startUs: num,
  endUs: num,
  sent: num,
  succeeded: num,
  good: num,
  errors: errorCounts,
  throughputPerSec: num,
  goodputPerSec: num,
  availability: nullableNum,
  p50Us: nullableNum,
  p99Us: nullableNum,
});

const componentReport = obj({
  name: str,
  type: str,
  nodes: num,
  workers: num,
  utilization: num,
  served: num,
  rejected: num,
  dropped: num,
  details: z.record(str, num).optional(),
  latency: latencySummary,
  queueDepth: obj({ mean: num, max: num }),
  timeline: obj({
    utilization: z.array(num),
    queueDepthMean: z.array(num),
    queueDepthMax: z.array(num),
    details: z.record(str, z.array(nullableNum)).optional(),
  }),
  messagesSent: num,
  messagesPerClientOperation: num,
});

const messageReport = obj({
  sent: num,
  delivered: num,
  duplicated: num,
  droppedByPartition: num,
  droppedByLoss: num,
  droppedAtDownNode: num,
  perClientOperation: num,
});

const runMetrics = obj({
  requests: obj({
    sent: num,
    retries: num,
    hedges: num,
    succeeded: num,
    good: num,
    errors: errorCounts,
    inFlight: num,
    byOperation: z.record(str, operationOutcomes),
  }),
  latency: latencySummary,
  latencyByOperation: z.record(str, latencySummary),
  latencyCdf: z.array(z.tuple([num, num])),
  throughputPerSec: num,
  goodputPerSec: num,
  availability: availabilityReport,
  timeline: z.array(windowRow),
  components: z.array(componentReport),
  messages: messageReport,
});

const faultEvent = obj({ timeUs: num, kind: str, nodes: z.array(str), detail: str.optional() });

const faultInterval = obj({ kind: str, label: str, startUs: num, endUs: num });

const sloOutcome = z.enum(['pass', 'fail', 'no-data']);

const sloReport = obj({
  verdict: sloOutcome,
  passed: z.boolean(),
  verdicts: z.array(
    obj({
      name: str,
      kind: z.enum(['latency', 'availability', 'error-rate']),
      objective: str,
      target: num,
      unit: z.enum(['us', 'fraction']),
      actual: nullableNum,
      verdict: sloOutcome,
      note: str.optional(),
    }),
  ),
});

const theoryCheck = obj({
  component: str,
  model: str,
  method: str,
  arrivalRatePerSec: num,
  serviceMeanUs: num,
  servers: num,
  rows: z.array(
    obj({
      key: z.enum(['utilization', 'mean-time-at-server', 'probability-of-waiting', 'blocking']),
      label: str,
      unit: z.enum(['us', 'fraction']),
      theory: num,
      simulated: num,
      relativeDifference: nullableNum,
    }),
  ),
});

const historyOperation = obj({
  process: num,
  f: str,
  key: str,
  value: jsonValue,
  result: jsonValue,
  invokedUs: num,
  completedUs: nullableNum,
});

const guaranteeCount = obj({ checked: num, violations: num });
const finalStateSource = z.enum(['replica-logs', 'replicas', 'last-reads']);
const partitionSide = { name: str, replicas: z.array(str), clients: z.array(str) };

const consistencyReport = obj({
  truncated: obj({ keptOperations: num, droppedOperations: num, fromUs: num }).optional(),
  operations: obj({ invoked: num, ok: num, failed: num, unknown: num, byOperation: z.record(str, num) }),
  keys: obj({ registers: num, counters: num, sets: num, mixed: num }),
  linearizability: obj({
    linearizable: z.boolean().nullable(),
    unknown: str.optional(),
    operations: num,
    keys: num,
    statesExplored: num,
    steps: num,
    counterexample: obj({
      key: str,
      explanation: str,
      state: jsonValue,
      lastOrdered: z.array(historyOperation),
      stuck: historyOperation,
      open: z.array(historyOperation),
      openOmitted: num,
    }).optional(),
  }).nullable(),
  staleness: obj({
    reads: num,
    staleReads: num,
    staleReadRate: num,
    versionsBehind: obj({ mean: num, max: num }),
    timeBehindUs: obj({ mean: num, p50: num, p99: num, max: num }),
  }).nullable(),
  sessions: obj({
    sessions: num,
    readYourWrites: guaranteeCount,
    monotonicReads: guaranteeCount,
    monotonicWrites: guaranteeCount.nullable(),
  }),
  lostWrites: obj({
    acknowledged: num,
    lost: num,
    judgedOn: finalStateSource,
    unjudgedKeys: num,
    examples: z.array(obj({ key: num, value: num, acknowledgedUs: num, finalValues: z.array(jsonValue) })),
  }).nullable(),
  counters: obj({
    keys: num,
    acknowledged: num,
    unknown: num,
    finalTotal: num,
    lostIncrements: num,
    doubleCounted: num,
    judgedOn: finalStateSource,
  }).nullable(),
  sets: obj({
    keys: num,
    acknowledgedInserts: num,
    lostElements: num,
    resurrectedElements: num,
    judgedOn: finalStateSource,
  }).nullable(),
  convergence: obj({
    replicas: z.array(str),
    samples: num,
    sampleEveryUs: num,
    divergenceAtHeal: z.array(obj({ timeUs: num, divergentKeys: num, keys: num })),
    lastWriteUs: nullableNum,
    convergedUs: nullableNum,
    convergenceTimeUs: nullableNum,
    divergentKeysAtEnd: num,
  }).nullable(),
  conflicts: obj({
    reported: nullableNum,
    perAcknowledgedWrite: nullableNum,
    readsWithSiblings: num,
    siblingReadRate: nullableNum,
  }),
  partitions: z.array(
    obj({
      startUs: num,
      endUs: num,
      sides: z.array(obj({ ...partitionSide, finished: num, answered: num, availability: nullableNum })),
    }),
  ),
  timeline: obj({
    reads: z.array(num),
    staleReads: z.array(num),
    staleReadRate: z.array(nullableNum),
    meanStalenessUs: z.array(nullableNum),
    divergentKeys: z.array(num),
    sides: z.array(obj({ ...partitionSide, availability: z.array(nullableNum) })),
  }),
  messageDiagram: obj({
    fault: faultEvent.nullable(),
    atUs: num,
    fromUs: num,
    toUs: num,
    sent: num,
    sample: obj({ everyUs: num, nearest: nullableNum }).nullable(),
    capped: z.boolean(),
    nodes: z.array(str),
    kinds: z.array(str),
    messages: z.array(str),
  }).nullable(),
});

const visibilityPoint = obj({
  tUs: num,
  reads: num,
  consistent: num,
  probability: nullableNum,
  low: nullableNum,
  high: nullableNum,
});

const stalenessCurves = obj({
  workload: str,
  store: str,
  replicas: num,
  readQuorum: num,
  writeQuorum: num,
  probes: num,
  abandonedProbes: num,
  readsStartedBeforeCommit: num,
  failedReads: num,
  meanHopUs: nullableNum,
  curves: z.array(
    obj({
      from: z.enum(['commit', 'ack']),
      points: z.array(visibilityPoint),
      t99Us: nullableNum,
      t999Us: nullableNum,
    }),
  ),
  kStaleness: obj({
    tUs: num,
    reads: num,
    rows: z.array(obj({ k: num, probability: nullableNum, closedForm: num })),
  }).nullable(),
  latency: obj({ read: latencySummary, write: latencySummary }),
  wars: obj({
    trials: num,
    points: z.array(obj({ tUs: num, probability: num })),
    t99Us: nullableNum,
    t999Us: nullableNum,
  }).nullable(),
  departures: z.array(str),
});

const deliveryStream = obj({
  subscription: str,
  ordering: z.enum(['partition', 'key', 'none']),
  delivered: num,
  processed: num,
  deadLettered: num,
  expired: num,
  pendingAtEnd: num,
  lost: obj({ total: num, neverStored: num, removedByBroker: num, deliveredNotProcessed: num, skipped: num }),
  unacknowledgedUnprocessed: num,
  duplicates: obj({ deliveredMoreThanOnce: num, redeliveries: num, processedMoreThanOnce: num, extraEffects: num }),
  outOfOrder: obj({ messages: num, unit: z.enum(['partition', 'key']) }).nullable(),
  skippedOffsets: obj({ total: num, byPartition: z.array(num) }).nullable(),
  endToEndLatency: latencySummary,
  lag: obj({
    timeline: z.array(num),
    max: num,
    maxAtUs: nullableNum,
    drainLevel: nullableNum,
    drainedUs: nullableNum,
  }),
  verdict: obj({ atMostOnce: z.boolean(), atLeastOnce: z.boolean(), effectivelyOnce: z.boolean() }),
});

const deliveryReport = obj({
  topics: z.array(
    obj({
      name: str,
      kind: z.enum(['queue', 'log', 'pubsub']).nullable(),
      produced: num,
      acknowledged: num,
      unacknowledged: obj({ failed: num, unanswered: num }),
      stored: num,
      storedCopies: num,
      duplicateAppends: num,
      streams: z.array(deliveryStream),
    }),
  ),
});

const cacheKeyClass = obj({
  name: str,
  lookups: num,
  hits: num,
  hitRatio: nullableNum,
  bytesRequested: num,
  byteHitRatio: nullableNum,
});

const cacheComponent = obj({
  component: str,
  role: z.enum(['cache', 'cdn-edge', 'cdn-regional', 'cdn-shield']),
  lookups: num,
  hits: num,
  hitRatio: nullableNum,
  bytesRequested: num,
  bytesHit: num,
  byteHitRatio: nullableNum,
  backend: obj({ requests: num, bytes: num, perSec: nullableNum, peakPerSec: nullableNum }),
  staleReads: num,
  staleReadRate: nullableNum,
  evictions: num,
  expiries: num,
  peakEntries: num,
  peakBytes: num,
  entriesAtEnd: num,
  bytesAtEnd: num,
  writes: num,
  lostWrites: num,
  keyClasses: z.array(cacheKeyClass),
  details: z.record(str, num),
  timeline: obj({
    lookups: z.array(num),
    hitRatio: z.array(nullableNum),
    byteHitRatio: z.array(nullableNum),
    backendRequests: z.array(num),
    backendPerSec: z.array(num),
    staleReads: z.array(num),
    evictions: z.array(num),
    expiries: z.array(num),
    peakEntries: z.array(num),
    peakBytes: z.array(num),
  }),
});

const databaseLoad = obj({
  component: str,
  reads: num,
  writes: num,
  perSec: nullableNum,
  peakPerSec: nullableNum,
  peakAtUs: nullableNum,
  timeline: obj({ reads: z.array(num), writes: z.array(num), perSec: z.array(num) }),
});

const theoryBeside = obj({ theory: num, simulated: nullableNum });

const cdnOffload = obj({
  clientRequests: num,
  clientBytes: num,
  tiers: z.array(
    obj({
      component: z.string(),
      role: z.enum(['cdn-edge', 'cdn-regional', 'cdn-shield']),
      pastShare: nullableNum,
      pastByteShare: nullableNum,
    }),
  ),
  originOffload: nullableNum,
  originByteOffload: nullableNum,
  originEgressBytesPerSec: nullableNum,
});

const cdnTheory = obj({
  note: str,
  origin: str,
  tiers: z.array(
    obj({
      component: str,
      tier: z.enum(['edge', 'regional', 'shield']),
      method: str,
      approximate: z.boolean(),
      requestRatePerSec: num,
      hitRatio: theoryBeside,
      byteHitRatio: theoryBeside,
    }),
  ),
  originOffload: theoryBeside,
  originByteOffload: theoryBeside,
  originBytesPerSec: num,
});

const shardSpread = obj({
  shardNodes: z.array(num),
  keysPerShard: z.array(num),
  shares: z.array(num),
  keyShareCv: num,
  expectedRingCv: nullableNum,
});

const shardingReport = obj({
  component: str,
  scheme: str,
  nodes: num,
  keys: num,
  before: shardSpread,
  after: shardSpread.nullable(),
  reshard: obj({
    atUs: num,
    keysMoved: num,
    movedFraction: num,
    expectedMovedFraction: nullableNum,
    keysCopied: num,
    bytesCopied: num,
    copiesResent: num,
    migrationStartUs: nullableNum,
    migrationEndUs: nullableNum,
    durationUs: nullableNum,
    readsForwarded: num,
    doubleReads: num,
    writesForwarded: num,
    requestsParked: num,
  }).nullable(),
  load: obj({
    servedPerShard: z.array(num),
    imbalanceBefore: nullableNum,
    imbalanceAfter: nullableNum,
    perSecBefore: nullableNum,
    perSecDuringMigration: nullableNum,
    timelinePerSec: z.array(z.array(num)),
  }),
});

const cacheTheoryCheck = obj({
  component: str,
  policy: str,
  ttlMode: z.enum(['fixed', 'reset-on-hit']).nullable(),
  method: str.nullable(),
  note: str.nullable(),
  nodes: num,
  keys: num,
  zipf: nullableNum,
  capacity: nullableNum,
  ttlUs: nullableNum,
  requestRatePerSec: num,
  characteristicTimeUs: nullableNum,
  rows: z.array(
    obj({
      key: z.enum(['hit-ratio', 'byte-hit-ratio']),
      label: str,
      simulated: nullableNum,
      theory: nullableNum,
      difference: nullableNum,
    }),
  ),
});

const cachesReport = obj({
  measuredFromUs: num,
  caches: z.array(cacheComponent),
  databases: z.array(databaseLoad),
  theory: z.array(cacheTheoryCheck).optional(),
  cdnTheory: cdnTheory.optional(),
  sharding: z.array(shardingReport).optional(),
  cdn: cdnOffload.optional(),
});

const feedStrategy = z.enum(['push', 'pull', 'hybrid', 'selective', 'active-push']);

const feedService = obj({
  component: str,
  strategy: feedStrategy,
  settings: obj({
    celebrityThreshold: nullableNum,
    activeWindowUs: num,
    costPerWrite: num,
    costPerFetch: num,
    timelineLength: num,
    timelineEntryBytes: num,
  }),
  posts: num,
  postsPerSec: nullableNum,
  timelineWrites: num,
  timelineWritesPerSec: nullableNum,
  writesPerPost: nullableNum,
  writesToInactive: num,
  inactiveWriteShare: nullableNum,
  reads: num,
  readsPerSec: nullableNum,
  fetches: num,
  fetchesPerSec: nullableNum,
  fetchesPerRead: nullableNum,
  itemsPerRead: nullableNum,
  rebuilds: num,
  partialReads: num,
  readLatency: latencySummary.nullable(),
  postLatency: latencySummary.nullable(),
  visibility: latencySummary,
  celebrityPosts: z.array(obj({ author: num, followers: num, postedUs: num, lastVisibleAfterUs: nullableNum })),
  celebrityPostsLeftOut: num,
  timelines: obj({ peakEntries: num, peakBytes: num, entriesAtEnd: num, bytesAtEnd: num }),
  backlog: obj({ mean: nullableNum, peak: nullableNum, atEnd: num }),
  costPerSec: nullableNum,
  theory: obj({
    note: str,
    strategies: z.array(obj({ strategy: feedStrategy, writesPerSec: num, fetchesPerSec: num, costPerSec: num })),
    rows: z.array(
      obj({
        key: z.enum(['posts', 'reads', 'writes', 'fetches', 'cost']),
        label: str,
        analytic: num,
        simulated: num,
        sigma: num,
        z: nullableNum,
        agrees: z.boolean(),
      }),
    ),
    agrees: z.boolean(),
    departures: z.array(str),
  }),
  graph: obj({
    users: num,
    edges: num,
    meanFollows: num,
    inactiveUsers: num,
    requestedExponent: nullableNum,
    fit: obj({
      exponent: num,
      standardError: num,
      xMin: num,
      tailUsers: num,
      tailShare: num,
      ksDistance: num,
    }).nullable(),
    maxFollowers: num,
    celebrities: z.array(obj({ user: num, followers: num })),
    followersCcdf: z.array(z.tuple([num, num])),
  }),
  timeline: obj({
    postsPerSec: z.array(num),
    timelineWritesPerSec: z.array(num),
    readsPerSec: z.array(num),
    fetchesPerSec: z.array(num),
    costPerSec: z.array(num),
    backlogMean: z.array(num),
    backlogPeak: z.array(num),
  }),
});

const feedReport = obj({ measuredFromUs: num, measuredSeconds: num, services: z.array(feedService) });

const chatOutage = obj({
  server: str,
  atUs: num,
  devicesDropped: num,
  allReconnectedUs: nullableNum,
  reconnectUs: nullableNum,
  reconnected: num,
  meanReconnectUs: nullableNum,
  serverBackUs: nullableNum,
  baselineAttemptsPerSec: nullableNum,
  peakAttemptsPerSec: num,
  stormStartUs: nullableNum,
  stormEndUs: nullableNum,
  stormUs: num,
  stormAttempts: num,
  stormRefused: num,
  afterServerBackUs: nullableNum,
  outlastedCause: z.boolean(),
});

const chatProtocolTheory = obj({
  workload: str,
  protocol: str,
  pollIntervalUs: nullableNum,
  pollTimeoutUs: nullableNum,
  heartbeatIntervalUs: nullableNum,
  setupRoundTrips: num,
  clientOneWayUs: num,
  serverOneWayUs: num,
  rows: z.array(
    obj({
      key: z.enum(['idle-requests', 'delivery-delay', 'connect-setup']),
      label: str,
      unit: z.enum(['perSec', 'us']),
      formula: str,
      theory: num,
      simulated: nullableNum,
      relativeDifference: nullableNum,
    }),
  ),
});

const chatReport = obj({
  measuredFromUs: num,
  workloads: z.array(obj({ workload: str, protocol: str })),
  devices: num,
  delivery: obj({
    latency: latencySummary,
    targetUs: num,
    withinTarget: nullableNum,
    cdf: z.array(z.tuple([num, num])),
  }),
  messages: obj({
    sent: num,
    acknowledged: num,
    deliveries: num,
    lost: num,
    duplicates: num,
    outOfOrder: num,
    undeliveredAtEnd: num,
    pendingAtEnd: num,
    conversations: obj({ total: num, withDuplicates: num, withOutOfOrder: num, withUndelivered: num }),
  }),
  connections: obj({
    attempts: num,
    refused: num,
    failed: num,
    established: num,
    disconnections: num,
    meanConnected: nullableNum,
    peakConnected: num,
    setupLatency: latencySummary,
  }),
  outages: z.array(chatOutage),
  presence: obj({ updates: num, perSec: nullableNum, falseOffline: num }),
  pushNotifications: num,
  load: obj({
    serverOperations: num,
    serverBusy: nullableNum,
    perSec: nullableNum,
    perConnectedDevicePerSec: nullableNum,
    polls: num,
    emptyPolls: num,
    heartbeats: num,
    idleRequestsPerDevicePerSec: nullableNum,
    pollsPerDevicePerSec: nullableNum,
    heartbeatsPerDevicePerSec: nullableNum,
  }),
  theory: z.array(chatProtocolTheory),
  timeline: obj({
    connectAttempts: z.array(num),
    connectAttemptsPerSec: z.array(num),
    connectsRefused: z.array(num),
    connectsFailed: z.array(num),
    disconnections: z.array(num),
    connectedMean: z.array(num),
    connectedPeak: z.array(num),
    messagesSent: z.array(num),
    deliveries: z.array(num),
    serverOperationsPerSec: z.array(num),
    presenceUpdatesPerSec: z.array(num),
  }),
});

const runOutcome = {
  traceHash: str,
  checkpoints: obj({ everyEvents: num, hashes: z.array(str) }),
  events: num,
  simulatedSeconds: num,
  metrics: runMetrics,
  theory: z.array(theoryCheck).optional(),
  faults: z.array(faultEvent),
  faultIntervals: z.array(faultInterval),
  slo: sloReport,
  consistency: consistencyReport.optional(),
  stalenessCurves: z.array(stalenessCurves).optional(),
  delivery: deliveryReport.optional(),
  caches: cachesReport.optional(),
  feed: feedReport.optional(),
  chat: chatReport.optional(),
};

const namedComponent = { name: str, type: str, nodes: num };

export const reportSchema = obj({
  format: z.literal(REPORT_FORMAT_VERSION),
  faultline: str,
  scenario: obj({
    name: str,
    description: str,
    file: str.nullable(),
    durationUs: num,
    windowUs: num,
    requestedWindowUs: num.optional(),
    availabilityThresholdUs: num,
    components: z.array(obj(namedComponent)),
    workloads: z.array(obj({ ...namedComponent, target: str })),
    variantNames: z.array(str),
    resolved: obj({ document: z.record(str, jsonValue), overrides: z.array(str) }).nullable(),
  }),
  warnings: z.array(str),
  seed: num,
  variant: str,
  ...runOutcome,
  variants: z.array(obj({ name: str, overrides: z.record(str, jsonValue), ...runOutcome })).optional(),
  comparison: obj({
    variants: z.array(str),
    rows: z.array(
      obj({
        key: str,
        label: str,
        unit: z.enum(['us', 'fraction', 'perSec', 'count']),
        higherIsBetter: z.boolean(),
        // NaN in the run (a figure a run has none of) is null in JSON, and NaN again here.
        values: z.array(num.or(z.null().transform(() => NaN))),
      }),
    ),
  }).optional(),
  wall: obj({ seconds: num, eventsPerSecond: num }),
}).check((ctx) => {
  // The consistency, delivery, cache, feed and chat timelines are drawn against metrics.timeline's windows: each must have one entry a window.
  const runs = [
    { path: [] as (string | number)[], run: ctx.value },
    ...(ctx.value.variants ?? []).map((run, i) => ({ path: ['variants', i], run })),
  ];
  const oneEntryAWindow = (at: (string | number)[], values: unknown[], windows: number) => {
    if (values.length !== windows)
      ctx.issues.push({
        code: 'custom',
        input: values,
        path: at,
        message: `expected ${windows} entries, one a window of metrics.timeline, got ${values.length}`,
      });
  };
  for (const { path, run } of runs) {
    const windows = run.metrics.timeline.length;
    run.delivery?.topics.forEach((topic, t) =>
      topic.streams.forEach((stream, s) =>
        oneEntryAWindow(
          [...path, 'delivery', 'topics', t, 'streams', s, 'lag', 'timeline'],
          stream.lag.timeline,
          windows,
        ),
      ),
    );
    run.caches?.caches.forEach((cache, c) => {
      for (const [key, values] of Object.entries(cache.timeline))
        oneEntryAWindow([...path, 'caches', 'caches', c, 'timeline', key], values, windows);
    });
    run.caches?.databases.forEach((database, d) => {
      for (const [key, values] of Object.entries(database.timeline))
        oneEntryAWindow([...path, 'caches', 'databases', d, 'timeline', key], values, windows);
    });
    run.caches?.sharding?.forEach((store, s) =>
      store.load.timelinePerSec.forEach((values, node) =>
        oneEntryAWindow([...path, 'caches', 'sharding', s, 'load', 'timelinePerSec', node], values, windows),
      ),
    );
    run.feed?.services.forEach((service, f) => {
      for (const [key, values] of Object.entries(service.timeline))
        oneEntryAWindow([...path, 'feed', 'services', f, 'timeline', key], values, windows);
    });
    if (run.chat !== undefined)
      for (const [key, values] of Object.entries(run.chat.timeline))
        oneEntryAWindow([...path, 'chat', 'timeline', key], values, windows);
    const timeline = run.consistency?.timeline;
    if (timeline === undefined) continue;
    const series: [(string | number)[], unknown[]][] = [
      [['reads'], timeline.reads],
      [['staleReads'], timeline.staleReads],
      [['staleReadRate'], timeline.staleReadRate],
      [['meanStalenessUs'], timeline.meanStalenessUs],
      ...timeline.sides.map((side, i): [(string | number)[], unknown[]] => [
        ['sides', i, 'availability'],
        side.availability,
      ]),
    ];
    // Empty when the replicas cannot be inspected.
    if (timeline.divergentKeys.length > 0) series.push([['divergentKeys'], timeline.divergentKeys]);
    for (const [at, values] of series) oneEntryAWindow([...path, 'consistency', 'timeline', ...at], values, windows);
  }
});

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** The same type written out as plain objects, so `A & B` and the object with both's keys compare equal. */
type Flat<T> = T extends object ? { [K in keyof T]: Flat<T[K]> } : T;
/** Fails to compile when the schema and report-types.ts disagree on any field, its type or whether it is optional. */
export type SchemaMatchesTypes = Equal<Flat<z.output<typeof reportSchema>>, Flat<Report>> extends true ? true : never;
const schemaMatchesTypes: SchemaMatchesTypes = true;
void schemaMatchesTypes;

/** The report, or what is wrong with it: up to `limit` problems, each `path: what was expected, what was found`. */
export function parseReport(
  document: unknown,
  limit = 5,
): { ok: true; report: Report } | { ok: false; problems: string[] } {
  const result = reportSchema.safeParse(document);
  if (result.success) return { ok: true, report: result.data };
  const problems = result.error.issues.slice(0, limit).map((issue) => describeIssue(issue, document));
  const more = result.error.issues.length - limit;
  if (more > 0) problems.push(`and ${more} more problem${more === 1 ? '' : 's'}`);
  return { ok: false, problems };
}

function describeIssue(issue: z.core.$ZodIssue, document: unknown): string {
  const path = pathText(issue.path);
  const value = valueAt(document, issue.path);
  const where = path === '' ? 'the report' : path;
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined && issue.path.length > 0
        ? `${where}: missing (expected ${typeName(issue.expected)})`
        : `${where}: expected ${typeName(issue.expected)}, got ${describe(value)}`;
    case 'invalid_value':
      return `${where}: expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describe(value)}`;
    case 'unrecognized_keys':
      return `${where}: unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    // Only a CDF point, [latencyUs, fraction], has a bound on its length.
    case 'too_small':
      return `${where}: expected an array of at least ${issue.minimum}, got ${describe(value)}`;
    case 'too_big':
      return `${where}: expected an array of at most ${issue.maximum}, got ${describe(value)}`;
    // Only a comparison value, a number or null, is a union.
    case 'invalid_union':
      return `${where}: expected a number or null, got ${describe(value)}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/** `metrics.timeline[3].p50Us`; keys that are not identifiers in quotes. */
function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(key))) text += `${text === '' ? '' : '.'}${String(key)}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}

function valueAt(document: unknown, path: readonly PropertyKey[]): unknown {
  let value = document;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function typeName(expected: string): string {
  const names: Record<string, string> = {
    object: 'an object',
    record: 'an object',
    array: 'an array',
    tuple: 'an array',
  };
  return names[expected] ?? `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  return String(value);
}
