import type { ReplicatedState } from './conflict-resolution.js';

/**
 * What the nodes of a leaderless quorum store say to each other. States are
 * shared by reference between simulated nodes, which is safe because no
 * state is ever changed once made. Members are named by their index in the
 * store.
 */
export type ReplicaMessage =
  /** I am alive (failure detection); any other message from a member counts too. */
  | { readonly kind: 'qs-heartbeat' }
  /**
   * Merge this state for `key`. `id` names the coordination to acknowledge
   * (-1: no acknowledgement wanted, a read repair); `hintFor` is the member
   * it was meant for when the receiver stands in for it (sloppy quorum), else -1.
   */
  | {
      readonly kind: 'qs-write';
      readonly id: number;
      readonly key: number;
      readonly state: ReplicatedState;
      readonly hintFor: number;
    }
  | { readonly kind: 'qs-write-ack'; readonly id: number }
  | { readonly kind: 'qs-read'; readonly id: number; readonly key: number }
  | { readonly kind: 'qs-read-reply'; readonly id: number; readonly state: ReplicatedState | undefined }
  /** A hint handed to the member it was meant for; acknowledged with its revision so a newer hint is not dropped. */
  | { readonly kind: 'qs-handoff'; readonly key: number; readonly state: ReplicatedState; readonly revision: number }
  | { readonly kind: 'qs-handoff-ack'; readonly key: number; readonly revision: number }
  /** Anti-entropy, round one: the digest of each key both hold a replica of. */
  | { readonly kind: 'qs-digests'; readonly keys: readonly number[]; readonly digests: readonly number[] }
  /** Round two: my state where ours differ or you lack the key, and the keys I want yours of. */
  | {
      readonly kind: 'qs-digests-reply';
      readonly keys: readonly number[];
      readonly states: readonly ReplicatedState[];
      readonly want: readonly number[];
    }
  /** Round three: the states asked for. */
  | { readonly kind: 'qs-push'; readonly keys: readonly number[]; readonly states: readonly ReplicatedState[] };
