import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveStream } from '../engine/random-stream.js';
import {
  conversationIndex,
  conversationSize,
  generateChatPopulation,
  type ChatPopulation,
  type ChatPopulationSpec,
} from '../models/chat/chat-population.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { ScenarioError } from '../scenarios/harness/scenario-error.js';
import { chatScenarioText } from './support/chat-scenario.js';

const row = (start: Int32Array, values: Int32Array, i: number) => Array.from(values.subarray(start[i], start[i + 1]));
const ascendingUnique = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1] < x);

const specs = fc.integer({ min: 2, max: 60 }).chain((users) =>
  fc.record({
    users: fc.constant(users),
    devicesPerUser: fc.integer({ min: 1, max: 3 }),
    contactsPerUser: fc.integer({ min: 0, max: Math.min(6, users - 1) }),
    groups: fc.array(fc.record({ count: fc.integer({ min: 1, max: 3 }), size: fc.integer({ min: 2, max: users }) }), {
      maxLength: 3,
    }),
    seed: fc.integer(),
  }),
);

const generate = (spec: ChatPopulationSpec & { seed: number }) =>
  generateChatPopulation(spec, deriveStream(spec.seed, 'users', 'chat-population'));

describe('chat population', () => {
  it('membership rows agree both ways, pairs are distinct partners, groups have their sizes, contacts are the union', () => {
    fc.assert(
      fc.property(specs, (spec) => {
        const p = generate(spec);
        const k = spec.contactsPerUser;
        expect(p.conversations).toBe(p.oneToOne + spec.groups.reduce((n, g) => n + g.count, 0));
        // One-to-one: two distinct users, each pair once.
        const pairs = new Set<string>();
        for (let c = 0; c < p.oneToOne; c++) {
          const [a, b] = row(p.memberStart, p.members, c);
          expect(conversationSize(p, c)).toBe(2);
          expect(a).toBeLessThan(b);
          pairs.add(`${a}-${b}`);
        }
        expect(pairs.size).toBe(p.oneToOne);
        // Partners per user: at most k, and the users short of k are each other's partners, so fewer than k of them.
        const partners = new Int32Array(p.users);
        for (let c = 0; c < p.oneToOne; c++) for (const u of row(p.memberStart, p.members, c)) partners[u]++;
        expect(Math.max(...partners)).toBeLessThanOrEqual(k);
        expect(partners.filter((n) => n < k).length).toBeLessThanOrEqual(k);
        // Groups in scenario order with their sizes, members distinct.
        const sizes = spec.groups.flatMap((g) => Array<number>(g.count).fill(g.size));
        sizes.forEach((size, g) => {
          const members = row(p.memberStart, p.members, p.oneToOne + g);
          expect(members.length).toBe(size);
          expect(ascendingUnique(members)).toBe(true);
        });
        // User → conversations is the exact inverse, ascending, one-to-one ones first.
        const inverse: number[][] = Array.from({ length: p.users }, () => []);
        for (let c = 0; c < p.conversations; c++) for (const u of row(p.memberStart, p.members, c)) inverse[u].push(c);
        for (let u = 0; u < p.users; u++) {
          const mine = row(p.conversationStart, p.userConversations, u);
          expect(mine).toEqual(inverse[u]);
          expect(mine.filter((c) => c < p.oneToOne).length).toBe(p.groupFrom[u] - p.conversationStart[u]);
          expect(mine.map((c) => conversationIndex(p, u, c))).toEqual(mine.map((_, i) => i));
          // Contacts: everyone sharing a conversation, once, not the user.
          const union = new Set(mine.flatMap((c) => row(p.memberStart, p.members, c)));
          union.delete(u);
          expect(row(p.contactStart, p.contacts, u)).toEqual([...union].sort((a, b) => a - b));
        }
        let found = 0;
        for (let c = 0; c < p.conversations; c++)
          for (let u = 0; u < p.users; u++) if (conversationIndex(p, u, c) >= 0) found++;
        expect(found).toBe(p.members.length);
      }),
      { numRuns: 40, seed: 16 },
    );
  });

  it('nearly every user gets exactly contactsPerUser partners on a larger population', () => {
    const p = generate({ users: 2000, devicesPerUser: 1, contactsPerUser: 10, groups: [], seed: 5 });
    expect(p.oneToOne).toBeGreaterThan(0.999 * 10_000);
  });

  it('is the same for the same stream and differs for another', () => {
    const spec = { users: 50, devicesPerUser: 2, contactsPerUser: 4, groups: [{ count: 3, size: 10 }] };
    const arrays = (p: ChatPopulation) => [p.members, p.userConversations, p.contacts].map((a) => Array.from(a));
    expect(arrays(generate({ ...spec, seed: 1 }))).toEqual(arrays(generate({ ...spec, seed: 1 })));
    expect(arrays(generate({ ...spec, seed: 1 }))).not.toEqual(arrays(generate({ ...spec, seed: 2 })));
  });

  it('a scenario with a group above maxGroupSize, more partners than users, an absurd rate or size is refused where it says so', () => {
    const text = (workload: string) =>
      chatScenarioText({ name: 'refused', seed: 1, duration: '1s', phones: 20, servers: 1, clients: workload });
    const problems = (workload: string) => {
      try {
        parseScenarioText(text(workload), 'refused.yaml');
      } catch (error) {
        expect(error).toBeInstanceOf(ScenarioError);
        return (error as ScenarioError).message;
      }
      throw new Error('the scenario loaded without problems');
    };
    expect(problems('groups: [{ count: 1, size: 5 }, { count: 2, size: 12 }], maxGroupSize: 10')).toMatch(
      /workloads\.users\.groups\.1\.size.*a group of 12 members is above maxGroupSize \(10\)/,
    );
    expect(problems('groups: [{ count: 1, size: 30 }], maxGroupSize: 50')).toMatch(
      /a group of 30 members needs at least 30 users, but the workload has 20 nodes/,
    );
    expect(problems('contactsPerUser: 20')).toMatch(/contactsPerUser.*is 20, but with 20 users/);
    expect(problems('messageRate: 1000000/s')).toMatch(/messageRate: a chat user writes at most 100\/s/);
    // Sizes that would exhaust the memory before the run starts.
    expect(problems('devicesPerUser: 100000')).toMatch(/devicesPerUser: must be at most 64/);
    expect(problems('groups: [{ count: 2000000, size: 20 }]')).toMatch(
      /workloads\.users\.groups: the conversations have 40000100 members in all/,
    );
    // A chat server whose store keeps its sessions with another directory.
    const twoDirectories = text('contactsPerUser: 2')
      .replace('st: { count: 1 },', 'st: { count: 1 }, dir2: { count: 1 },')
      .replace(
        '  store: { type: chat-store, nodes: st, directory: directory }',
        '  other: { type: chat-directory, nodes: dir2 }\n  store: { type: chat-store, nodes: st, directory: other }',
      );
    expect(() => parseScenarioText(twoDirectories, 'refused.yaml')).toThrow(
      /components\.servers\.store: "store" keeps its sessions with directory "other", these servers with "directory"/,
    );
  });

  it('a second chat-clients workload, or a chat directory that no workload uses, is refused at validation, not at build', () => {
    const base = chatScenarioText({ name: 'refused', seed: 1, duration: '1s', phones: 4, servers: 1, clients: '' });
    const second = base
      .replace('phone: { count: 4 }', 'phone: { count: 4 }, tablet: { count: 4 }')
      .concat('  more: { type: chat-clients, nodes: tablet, directory: directory }\n');
    expect(() => parseScenarioText(second, 'refused.yaml')).toThrow(
      /workloads\.more\.type: a run holds one chat-clients workload .* and "users" is one already/,
    );
    const unused = base
      .replace('phone: { count: 4 }', 'phone: { count: 4 }, dir2: { count: 1 }')
      .replace('workloads:', '  spare: { type: chat-directory, nodes: dir2 }\nworkloads:');
    expect(() => parseScenarioText(unused, 'refused.yaml')).toThrow(
      /components\.spare\.type: no chat-clients workload names "spare" as its directory/,
    );
  });
});
