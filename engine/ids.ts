import type { EventHandle } from './event-queue.js';

/** A node's integer address, dense from 0 in the order nodes were added. */
export type NodeId = number;

/** A pending timer, to cancel it. */
export type TimerHandle = EventHandle;
