/**
 * The names of every diagnostics channel sessionkv publishes: a stable, versioned API (core
 * README, "Diagnostics channels"). A field is only ever added; a field removed or changed in
 * meaning comes with a new name, so a subscriber written for these names keeps working.
 */
export const DIAGNOSTICS_CHANNELS = {
  /** TracingChannel: every operation of every store built on `BaseSessionKVStore`. */
  storeOperation: "sessionkv:store:operation",
  /** TracingChannel: one maintenance cycle of a `SessionHost`. */
  hostCycle: "sessionkv:host:cycle",
  /** Channel: a close request was made (a flag written, or a local session's close started). */
  closeRequested: "sessionkv:close:requested",
  /** Channel: a requested close was honoured: the session was closed and removed by its host. */
  closeHonoured: "sessionkv:close:honoured",
  /** Reserved for session limits (rejections, seats): not published yet. */
  hostLimit: "sessionkv:host:limit",
  /** Reserved for draining a node: not published yet. */
  hostDrain: "sessionkv:host:drain",
} as const;

/** Bumped with every added channel or context field; subscribers may log it, never need to test it. */
export const DIAGNOSTICS_VERSION = 1;
