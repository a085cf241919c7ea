import type { NodeId } from '../../engine/index.js';
import type { KvReply, KvRequest } from './kv-messages.js';

/**
 * What kv-store shards say to each other while keys move (see kv-store.ts for
 * the protocol). Callers never see these: they send kv requests and get kv
 * replies.
 */

/**
 * A request handed to the shard that holds the key now. `relay`: answer the
 * forwarder (which relays to `replyTo`: a double read); else answer `replyTo`
 * directly. `bounced`: the old owner had already copied the key away, so the
 * new owner keeps the request until the copy lands.
 */
export interface KvForward {
  readonly kind: 'kv-forward';
  readonly request: KvRequest;
  readonly replyTo: NodeId;
  readonly relay: boolean;
  readonly bounced: boolean;
}

/** The answer to a relayed forward, for the forwarder to pass on to `replyTo`. */
export interface KvRelayed {
  readonly kind: 'kv-relayed';
  readonly reply: KvReply;
  readonly replyTo: NodeId;
}

/** One key copied to its new owner, as it is when sent: its latest version, its size, or that it was deleted. */
export interface KvCopy {
  readonly kind: 'kv-copy';
  readonly key: number;
  readonly version: number;
  readonly sizeBytes: number;
  readonly deleted: boolean;
}

/** The new owner has stored the copy of `key` (or holds a newer version): its old owner stops resending it. */
export interface KvCopyAck {
  readonly kind: 'kv-copy-ack';
  readonly key: number;
}

/** Shard `fromShard` has copied every key leaving it, each acknowledged: what it still holds of them is no longer anyone's truth. */
export interface KvCopyDone {
  readonly kind: 'kv-copy-done';
  readonly fromShard: number;
}

/** Shard `shard` has heard the copy-done: its sender stops resending it there. */
export interface KvCopyDoneAck {
  readonly kind: 'kv-copy-done-ack';
  readonly shard: number;
}

export type ShardMessage = KvForward | KvRelayed | KvCopy | KvCopyAck | KvCopyDone | KvCopyDoneAck;
