import type { RandomStream } from '../../engine/index.js';
import type { InstanceContext } from '../kit/model-contract.js';

/**
 * Who talks to whom in a chat run: users 0..users−1 (one chat-clients node
 * each), every user with `devicesPerUser` devices numbered
 * user × devicesPerUser + d, and the conversations they share. One-to-one
 * conversations come first (ids 0..oneToOne−1), groups after them (ids
 * oneToOne..conversations−1), so `conversation >= oneToOne` says a group.
 *
 * Membership is held in compressed sparse rows both ways, rows ascending and
 * without duplicates: a conversation's member users (what the store fans a
 * message out to), a user's conversations (what its devices keep cursors
 * for, one-to-one ones first since their ids are lower), and a user's
 * contacts: everyone who shares a conversation with the user, deduplicated
 * (whom the directory tells when the user comes online or goes offline: in a
 * big group that is every member, the presence storm).
 */
export interface ChatPopulation {
  readonly users: number;
  readonly devicesPerUser: number;
  /** One-to-one conversations; they hold ids 0..oneToOne−1. */
  readonly oneToOne: number;
  /** All conversations, groups included. */
  readonly conversations: number;
  /** `members[memberStart[c] .. memberStart[c + 1])` are conversation c's users (length conversations + 1). */
  readonly memberStart: Int32Array;
  readonly members: Int32Array;
  /** `userConversations[conversationStart[u] .. conversationStart[u + 1])` are user u's conversations (length users + 1). */
  readonly conversationStart: Int32Array;
  readonly userConversations: Int32Array;
  /** Where user u's groups start in its row: `userConversations[groupFrom[u] .. conversationStart[u + 1])`. */
  readonly groupFrom: Int32Array;
  /** `contacts[contactStart[u] .. contactStart[u + 1])`: the users sharing a conversation with u (length users + 1). */
  readonly contactStart: Int32Array;
  readonly contacts: Int32Array;
}

export interface ChatPopulationSpec {
  users: number;
  devicesPerUser: number;
  /** One-to-one partners per user (each pair is one conversation, so the mean is this, and nearly every user has exactly this many). */
  contactsPerUser: number;
  groups: readonly { count: number; size: number }[];
}

/** The key under which a directory's population is shared by the workload that builds it and the components that read it. */
export const chatPopulationKey = (directory: string) => `chat-population:${directory}`;

/** Members of conversation c. */
export function conversationSize(population: ChatPopulation, conversation: number): number {
  return population.memberStart[conversation + 1] - population.memberStart[conversation];
}

/** The position of `conversation` in user u's row, or −1 when u is not a member (binary search: rows are ascending). */
export function conversationIndex(population: ChatPopulation, user: number, conversation: number): number {
  const rows = population.userConversations;
  let low = population.conversationStart[user];
  let high = population.conversationStart[user + 1] - 1;
  const first = low;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const c = rows[mid];
    if (c === conversation) return mid - first;
    if (c < conversation) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/**
 * Draws a population from `rng`.
 *
 * One-to-one partners: users in id order each take partners until they have
 * `contactsPerUser`, drawn uniformly among the users that still have room
 * and are not partners yet (rejection sampling, then a scan from a random
 * start when few are left), so the pairs form a random graph where nearly
 * every user has exactly `contactsPerUser` partners (the last few may have
 * fewer when no one with room is left). Groups draw their members uniformly
 * without replacement (a partial Fisher–Yates shuffle).
 */
export function generateChatPopulation(spec: ChatPopulationSpec, rng: RandomStream): ChatPopulation {
  const { users, devicesPerUser, contactsPerUser: k } = spec;
  if (!(Number.isInteger(users) && users >= 1))
    throw new RangeError(`a chat population needs users >= 1, got ${users}`);
  if (k > users - 1)
    throw new RangeError(`contactsPerUser is ${k}, but with ${users} users each has at most ${users - 1} partners`);

  // One-to-one pairs, as (low, high) user ids in creation order.
  const degree = new Int32Array(users);
  const partners: Set<number>[] = [];
  for (let u = 0; u < users; u++) partners.push(new Set());
  const pairLow: number[] = [];
  const pairHigh: number[] = [];
  for (let u = 0; u < users && k > 0; u++) {
    while (degree[u] < k) {
      let v = -1;
      for (let tries = 0; tries < 32; tries++) {
        const w = rng.int(users);
        if (w !== u && degree[w] < k && !partners[u].has(w)) {
          v = w;
          break;
        }
      }
      if (v < 0) {
        const start = rng.int(users);
        for (let i = 0; i < users; i++) {
          const w = (start + i) % users;
          if (w !== u && degree[w] < k && !partners[u].has(w)) {
            v = w;
            break;
          }
        }
      }
      if (v < 0) break;
      partners[u].add(v);
      partners[v].add(u);
      degree[u]++;
      degree[v]++;
      pairLow.push(Math.min(u, v));
      pairHigh.push(Math.max(u, v));
    }
  }

  // Groups, each a sorted member list.
  const groupMembers: Int32Array[] = [];
  const deck = new Int32Array(users);
  for (let u = 0; u < users; u++) deck[u] = u;
  for (const { count, size } of spec.groups) {
    if (size > users) throw new RangeError(`a group of ${size} members needs at least ${size} users, got ${users}`);
    for (let g = 0; g < count; g++) {
      for (let i = 0; i < size; i++) {
        const j = i + rng.int(users - i);
        const t = deck[i];
        deck[i] = deck[j];
        deck[j] = t;
      }
      groupMembers.push(deck.slice(0, size).sort());
    }
  }

  const oneToOne = pairLow.length;
  const conversations = oneToOne + groupMembers.length;
  const memberStart = new Int32Array(conversations + 1);
  for (let c = 0; c < oneToOne; c++) memberStart[c + 1] = memberStart[c] + 2;
  for (let g = 0; g < groupMembers.length; g++)
    memberStart[oneToOne + g + 1] = memberStart[oneToOne + g] + groupMembers[g].length;
  const members = new Int32Array(memberStart[conversations]);
  for (let c = 0; c < oneToOne; c++) {
    members[2 * c] = pairLow[c];
    members[2 * c + 1] = pairHigh[c];
  }
  for (let g = 0; g < groupMembers.length; g++) members.set(groupMembers[g], memberStart[oneToOne + g]);

  // User → conversations: counting sort by user over conversations in id order keeps each row ascending.
  const conversationStart = new Int32Array(users + 1);
  for (let i = 0; i < members.length; i++) conversationStart[members[i] + 1]++;
  for (let u = 0; u < users; u++) conversationStart[u + 1] += conversationStart[u];
  const userConversations = new Int32Array(members.length);
  const fill = conversationStart.slice(0, users);
  const groupFrom = conversationStart.slice(0, users);
  for (let c = 0; c < conversations; c++) {
    for (let i = memberStart[c]; i < memberStart[c + 1]; i++) {
      const u = members[i];
      userConversations[fill[u]++] = c;
      if (c < oneToOne) groupFrom[u] = fill[u];
    }
  }

  // Contacts: the union of a user's conversations' members, less the user.
  const contactStart = new Int32Array(users + 1);
  const rows: Int32Array[] = [];
  const seen = new Int32Array(users).fill(-1);
  const scratch: number[] = [];
  for (let u = 0; u < users; u++) {
    scratch.length = 0;
    for (let i = conversationStart[u]; i < conversationStart[u + 1]; i++) {
      const c = userConversations[i];
      for (let j = memberStart[c]; j < memberStart[c + 1]; j++) {
        const v = members[j];
        if (v !== u && seen[v] !== u) {
          seen[v] = u;
          scratch.push(v);
        }
      }
    }
    const row = Int32Array.from(scratch).sort();
    rows.push(row);
    contactStart[u + 1] = contactStart[u] + row.length;
  }
  const contacts = new Int32Array(contactStart[users]);
  for (let u = 0; u < users; u++) contacts.set(rows[u], contactStart[u]);

  return {
    users,
    devicesPerUser,
    oneToOne,
    conversations,
    memberStart,
    members,
    conversationStart,
    userConversations,
    groupFrom,
    contactStart,
    contacts,
  };
}

/**
 * The population a chat-clients workload published for `directory`, for the
 * chat components: call it when running (onStart or the first message), when
 * every workload has been built.
 */
export function chatPopulationOf(ctx: InstanceContext, directory: string): ChatPopulation {
  return ctx.shared(chatPopulationKey(directory), (): ChatPopulation => {
    throw new Error(
      `${ctx.name}: no chat-clients workload names "${directory}" as its directory, so there are no chat users; add one with directory: ${directory}`,
    );
  });
}
