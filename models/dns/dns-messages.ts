import type { NodeId } from '../../engine/index.js';

/** A client asks a DNS server for the addresses of a name. */
export interface DnsLookup {
  readonly kind: 'dns-lookup';
  readonly id: number;
  readonly name: string;
}

/** The addresses (node ids) a name resolves to, and how long the asker may keep them; none for a name the server does not know. */
export interface DnsAnswer {
  readonly kind: 'dns-answer';
  readonly id: number;
  readonly addresses: readonly NodeId[];
  readonly ttlUs: number;
}
