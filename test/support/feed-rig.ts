import type { Request } from '../../models/kit/request-messages.js';
import type { FeedRecord } from '../../models/measure/feed-log.js';
import type { SocialGraph } from '../../models/parts/social-graph.js';
import { parseScenarioText } from '../../scenarios/harness/load-scenario.js';
import { runScenario, type CompletedRun } from '../../scenarios/harness/run-scenario.js';

/** Scenario documents are written as objects and handed over as JSON, which is YAML. */
export type Doc = Record<string, unknown>;

export interface FeedRigOptions {
  strategy: string;
  graph: Doc;
  /** More feed-service parameters. */
  service?: Doc;
  /** More feed-users parameters (stopAt, timeout). */
  users?: Doc;
  feedNodes?: number;
  duration?: string;
  warmup?: string;
  seed?: number;
  faults?: Doc[];
}

/** A feed service `timelines` on `feedNodes` nodes and its users on one node, in one region. */
export function feedDoc(o: FeedRigOptions): Doc {
  return {
    name: 'feed-test',
    seed: o.seed ?? 7,
    duration: o.duration ?? '10s',
    warmup: o.warmup ?? '0s',
    topology: { regions: ['dc'], nodes: { feed: { count: o.feedNodes ?? 4 }, people: {} } },
    components: {
      timelines: { type: 'feed-service', nodes: 'feed', strategy: o.strategy, graph: o.graph, ...o.service },
    },
    workloads: { users: { type: 'feed-users', nodes: 'people', target: 'timelines', ...o.users } },
    faults: { timeline: o.faults ?? [] },
  };
}

/** A request the users sent: when it arrives (or DROP_… < 0), to which node, about whom. */
export interface SentRequest {
  arrivalUs: number;
  to: number;
  user: number;
  post: boolean;
}

export interface FeedRun {
  completed: CompletedRun;
  record: FeedRecord;
  graph: SocialGraph;
  /** Every post and read request the users sent, in sending order: an independent tally of the workload. */
  sent: SentRequest[];
}

export async function runFeed(doc: Doc): Promise<FeedRun> {
  const sent: SentRequest[] = [];
  const completed = await runScenario(parseScenarioText(JSON.stringify(doc), 'feed-test.yaml').scenario, {
    onBuilt: (built) =>
      built.sim.addMessageObserver({
        onSend(_sentUs, _from, to, arrivalUs, message) {
          const m = message as Request;
          if (m.kind === 'request') sent.push({ arrivalUs, to, user: m.key!, post: m.operation === 'post' });
        },
      }),
  });
  const record = completed.built.feeds.services[0];
  return { completed, record, graph: record.setup.graph, sent };
}

/** Followers of `user`. */
export function followers(graph: SocialGraph, user: number): number {
  return graph.followerStart[user + 1] - graph.followerStart[user];
}
