/**
 * What an L4 balancer tracks: each client node holds `perClient` long-lived
 * connections, opened on first use, each pinned to the backend picked when it
 * opened, and its requests ride them in turn. The balancer sees connections,
 * not requests: it reopens (re-balances) a connection only when its backend
 * leaves rotation, so a backend that recovers or is added gets none of the
 * connections already open.
 */
export class ConnectionTable {
  /** Backend of connection `client × perClient + k`; -1 while it is not open. */
  private backends = new Int32Array(0);
  /** Per client: the connection its next request rides. */
  private cursors = new Uint32Array(0);
  /** Connections reopened because their backend had left rotation. */
  reopened = 0;

  constructor(readonly perClient: number) {}

  /** The connection `client`'s next request rides. */
  next(client: number): number {
    if (client >= this.cursors.length) this.grow(client + 1);
    const k = this.cursors[client];
    this.cursors[client] = k + 1 === this.perClient ? 0 : k + 1;
    return client * this.perClient + k;
  }

  /** Connections open, for inspection. */
  openCount(): number {
    let open = 0;
    for (let i = 0; i < this.backends.length; i++) if (this.backends[i] >= 0) open++;
    return open;
  }

  /** The backend a connection is open to, or -1. */
  backendOf(connection: number): number {
    return this.backends[connection];
  }

  /** Opens `connection` to `backend` (-1 closes it); `reopened` when it replaces one whose backend left rotation. */
  open(connection: number, backend: number, reopened: boolean): void {
    this.backends[connection] = backend;
    if (reopened) this.reopened++;
  }

  private grow(clients: number): void {
    const size = Math.max(clients, this.cursors.length * 2);
    const cursors = new Uint32Array(size);
    cursors.set(this.cursors);
    this.cursors = cursors;
    const backends = new Int32Array(size * this.perClient).fill(-1);
    backends.set(this.backends);
    this.backends = backends;
  }
}
