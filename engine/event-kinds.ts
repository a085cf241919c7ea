/** What a queued event means; stored as a small integer in the queue. */
export const EV_START = 0;
export const EV_DELIVER = 1;
export const EV_TIMER = 2;
export const EV_CALL = 3;

export const EVENT_KIND_NAMES = ['start', 'deliver', 'timer', 'call'] as const;
export type EventKindName = (typeof EVENT_KIND_NAMES)[number];
