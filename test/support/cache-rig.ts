import type { NodeContext, NodeId, Process } from '../../engine/index.js';
import type { Request, Response } from '../../models/kit/request-messages.js';
import type { CacheRecord, DatabaseRecord } from '../../models/measure/cache-log.js';
import { buildScenario, type BuiltScenario } from '../../scenarios/harness/build-scenario.js';
import { parseScenarioText } from '../../scenarios/harness/load-scenario.js';

/** One scripted request: at true time `atUs`, `operation` of `key` to node `to` (a node name). */
export interface ScriptedRequest {
  atUs: number;
  key?: number;
  operation?: string;
  to?: string;
}

export interface ScriptedAnswer {
  request: ScriptedRequest;
  /** True time the answer came; NaN while none came. */
  answeredUs: number;
  error: string | null;
}

/** Sends each scripted request at its time and keeps each answer. */
class ScriptedClient implements Process<Response> {
  private readonly byId = new Map<number, ScriptedAnswer>();

  constructor(
    private readonly ctx: NodeContext,
    private readonly script: readonly ScriptedRequest[],
    private readonly defaultTarget: string,
    readonly answers: ScriptedAnswer[],
  ) {}

  onStart(): void {
    this.script.forEach((s, i) => this.ctx.setTimer(s.atUs - this.ctx.nowUs, 0, i));
  }

  onTimer(_tag: number, data: unknown): void {
    const id = data as number;
    const s = this.script[id];
    const answer: ScriptedAnswer = { request: s, answeredUs: NaN, error: null };
    this.answers.push(answer);
    this.byId.set(id, answer);
    const request: Request = {
      kind: 'request',
      id,
      sentUs: this.ctx.nowUs,
      operation: s.operation ?? 'read',
      priority: 0,
      session: 0,
      ...(s.key === undefined ? {} : { key: s.key }),
    };
    this.ctx.send(this.ctx.lookup(s.to ?? this.defaultTarget), request, 0);
  }

  onMessage(_from: NodeId, response: Response): void {
    const answer = this.byId.get(response.id)!;
    answer.answeredUs = this.ctx.nowUs;
    answer.error = response.error ?? null;
  }
}

export interface CacheRig {
  built: BuiltScenario;
  /** The record of cache component `name` (default `cache`). */
  cache(name?: string): CacheRecord;
  database(name?: string): DatabaseRecord;
  /** Adds a client node sending these requests (to `cache-host-1` unless a request says otherwise). */
  script(requests: readonly ScriptedRequest[], name?: string): ScriptedAnswer[];
  /** Runs until true time `untilUs`. */
  run(untilUs: number): void;
}

/**
 * A scenario built from YAML text (its first variant when it has variants,
 * else the scenario itself), plus scripted clients added beside its nodes, so
 * a test can set up exact interleavings against the real models. Links are
 * the scenario's (give `topology.rtt.sameRegion` for a fixed round trip).
 */
export function cacheRig(yaml: string, set: Record<string, unknown> = {}): CacheRig {
  const overrides = Object.entries(set).map(([path, value]) => `${path}=${JSON.stringify(value)}`);
  const loaded = parseScenarioText(yaml, 'cache-rig.yaml', { overrides });
  const built = buildScenario(loaded.scenario);
  let clients = 0;
  return {
    built,
    cache: (name = 'cache') => built.caches.caches.find((c) => c.component === name)!,
    database: (name = 'db') => built.caches.existingDatabase(name)!,
    script(requests, name = `scripted-${++clients}`) {
      const answers: ScriptedAnswer[] = [];
      built.sim.addNode({
        name,
        region: built.scenario.topology.regions[0],
        process: (ctx) => new ScriptedClient(ctx, requests, 'cache-host-1', answers),
      });
      return answers;
    },
    run(untilUs) {
      built.sim.run({ untilUs });
    },
  };
}
