// The rollout state machine, as pure functions: (spec, state, observations, now) → next state + actions. No
// database, no clock: the driver (driver.ts) feeds in what the agents reported and carries out the actions, so
// every path, rollback included, is testable by calling these with plain values.
//
// A rollout has one slot per instance it must place. Updating a slot releases the old instance (if any) and
// starts one of the new version on the same node; `maxUnavailable` bounds how many slots are mid-update at once.
// A started instance is healthy once its agent reports it running (and, if the spec asks, traffic flowing); it
// fails if the agent reports it failed or it is not healthy within the timeout. Any failure rolls back every
// slot already touched, restoring the old version where there was one.
//
// Error rate: what share of an instance's packets it dropped over the last seconds, dropped ÷ (received +
// dropped), from the agents' per-second stats (the driver computes it; null while too few packets to judge).
// A new instance — starting, healthy, or a canary waiting for promotion — above the bound fails, which rolls
// the rollout back. The bound comes from the target version (app_versions.max_error_rate).
import type { RolloutPhase } from "@sluice/db";

export interface RolloutSpec {
  maxUnavailable: number;
  /** Instances to update first before pausing for promotion; 0 for no canary step. */
  canary: number;
  healthTimeoutMs: number;
  /** Also wait for traffic (received packets) before calling an instance healthy. */
  requireTraffic: boolean;
  /** Largest error rate (0..1) a new instance may show; DEFAULT_MAX_ERROR_RATE for rollouts stored without it. */
  maxErrorRate?: number;
}

export const DEFAULT_MAX_ERROR_RATE = 0.01;

export type SlotStatus = "pending" | "starting" | "healthy" | "failed" | "reverted";

export interface Slot {
  nodeId: string;
  nodeName: string;
  /** The instance this slot replaces, and its version id; null when the app was not on the node. */
  fromInstanceId: string | null;
  fromVersionId: number | null;
  status: SlotStatus;
  /** The new version's instance, once the driver has placed it. */
  instanceId: string | null;
  /** When the update of this slot began (ISO time), for the health timeout. */
  startedAt: string | null;
  message: string | null;
}

export interface RolloutState {
  phase: RolloutPhase;
  slots: Slot[];
  canaryPromoted: boolean;
  reason: string | null;
}

export interface InstanceObservation {
  reportedState: string | null;
  trafficSeen: boolean;
  /** Dropped ÷ (received + dropped) packets over the recent window; null or absent when too few to judge. */
  errorRate?: number | null;
}

const percent = (rate: number) => `${Math.round(rate * 1000) / 10} %`;

/** Why the instance's error rate fails it, or undefined when within the bound (or not yet measurable). */
function errorRateFailure(spec: RolloutSpec, slot: Slot, seen: InstanceObservation | undefined): string | undefined {
  const bound = spec.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE;
  const rate = seen?.errorRate;
  if (rate === null || rate === undefined || rate <= bound) return undefined;
  return `instance on ${describeSlot(slot)} drops ${percent(rate)} of its packets (bound ${percent(bound)})`;
}

export type RolloutAction =
  /** Release `release` (if any) and place an instance of the new version on the slot's node. */
  | { kind: "start"; slot: number; release: string | null }
  /** Release the new instance (if any) and, if the slot had an old one, place the old version again. */
  | { kind: "revert"; slot: number; release: string | null; restoreVersionId: number | null };

/** Something worth a line in the rollout's history (rollout_steps). */
export interface RolloutEvent {
  kind: string;
  message: string;
  slot?: number;
}

export interface Transition {
  state: RolloutState;
  actions: RolloutAction[];
  events: RolloutEvent[];
}

export const terminalPhases: RolloutPhase[] = ["succeeded", "rolled-back", "aborted"];

export function initialState(
  slots: Array<Omit<Slot, "status" | "instanceId" | "startedAt" | "message">>,
): RolloutState {
  return {
    phase: "running",
    slots: slots.map((slot) => ({ ...slot, status: "pending", instanceId: null, startedAt: null, message: null })),
    canaryPromoted: false,
    reason: null,
  };
}

const describeSlot = (slot: Slot) => `${slot.nodeName}`;

/** One tick: judge started instances, roll back on failure, start more slots within the budget, finish. */
export function advance(
  spec: RolloutSpec,
  state: RolloutState,
  observations: ReadonlyMap<string, InstanceObservation>,
  now: Date,
): Transition {
  if (state.phase === "aborting") return revertAll(state, "aborted", state.reason ?? "aborted");
  if (state.phase !== "running" && state.phase !== "awaiting-promotion") return { state, actions: [], events: [] };

  const events: RolloutEvent[] = [];
  const slots = state.slots.map((slot, index) => {
    if ((slot.status !== "starting" && slot.status !== "healthy") || slot.instanceId === null) return slot;
    const seen = observations.get(slot.instanceId);
    const tooManyErrors = errorRateFailure(spec, slot, seen);
    if (seen?.reportedState === "failed" || tooManyErrors) {
      const message = tooManyErrors ?? `instance on ${describeSlot(slot)} reported failed`;
      events.push({ kind: "slot.failed", message, slot: index });
      return { ...slot, status: "failed" as const, message };
    }
    if (slot.status === "healthy") return slot;
    if (seen?.reportedState === "running" && (!spec.requireTraffic || seen.trafficSeen)) {
      events.push({ kind: "slot.healthy", message: `instance on ${describeSlot(slot)} is healthy`, slot: index });
      return { ...slot, status: "healthy" as const, message: null };
    }
    const started = slot.startedAt ? Date.parse(slot.startedAt) : now.getTime();
    if (now.getTime() - started >= spec.healthTimeoutMs) {
      const waitingFor =
        seen?.reportedState === "running" ? "no traffic" : `reported ${seen?.reportedState ?? "nothing"}`;
      const message = `instance on ${describeSlot(slot)} not healthy within ${spec.healthTimeoutMs / 1000} s (${waitingFor})`;
      events.push({ kind: "slot.failed", message, slot: index });
      return { ...slot, status: "failed" as const, message };
    }
    return slot;
  });

  const failed = slots.find((slot) => slot.status === "failed");
  if (failed) {
    const judged = revertAll({ ...state, slots }, "rolled-back", `rolled back: ${failed.message}`);
    return { ...judged, events: [...events, ...judged.events] };
  }
  // A canary waiting for promotion is only watched; nothing more starts until an operator promotes it.
  if (state.phase === "awaiting-promotion") return { state: { ...state, slots }, actions: [], events };
  return startAndFinish(spec, { ...state, slots }, now, events);
}

function startAndFinish(spec: RolloutSpec, state: RolloutState, now: Date, events: RolloutEvent[]): Transition {
  const slots = [...state.slots];
  const count = (status: SlotStatus) => slots.filter((slot) => slot.status === status).length;
  const canaryLimit = spec.canary > 0 && !state.canaryPromoted ? Math.min(spec.canary, slots.length) : slots.length;

  if (count("healthy") === slots.length) {
    events.push({ kind: "phase", message: "succeeded: every instance runs the new version" });
    return { state: { ...state, slots, phase: "succeeded", reason: null }, actions: [], events };
  }
  const touched = slots.length - count("pending");
  if (touched >= canaryLimit && count("starting") === 0 && canaryLimit < slots.length) {
    events.push({ kind: "phase", message: `canary of ${canaryLimit} healthy; waiting for promotion` });
    return { state: { ...state, slots, phase: "awaiting-promotion" }, actions: [], events };
  }

  const actions: RolloutAction[] = [];
  let budget = Math.min(spec.maxUnavailable - count("starting"), canaryLimit - touched);
  for (let index = 0; index < slots.length && budget > 0; index += 1) {
    const slot = slots[index]!;
    if (slot.status !== "pending") continue;
    slots[index] = { ...slot, status: "starting", startedAt: now.toISOString() };
    actions.push({ kind: "start", slot: index, release: slot.fromInstanceId });
    events.push({ kind: "slot.start", message: `updating the instance on ${describeSlot(slot)}`, slot: index });
    budget -= 1;
  }
  return { state: { ...state, slots }, actions, events };
}

/** Undoes every slot the rollout touched; untouched slots still run the old version. */
function revertAll(state: RolloutState, phase: RolloutPhase, reason: string): Transition {
  const actions: RolloutAction[] = [];
  const events: RolloutEvent[] = [];
  const slots = state.slots.map((slot, index) => {
    if (slot.status === "pending" || slot.status === "reverted") return slot;
    actions.push({ kind: "revert", slot: index, release: slot.instanceId, restoreVersionId: slot.fromVersionId });
    const restoring = slot.fromVersionId === null ? "removing it" : "restoring the previous version";
    events.push({ kind: "slot.revert", message: `reverting ${describeSlot(slot)}: ${restoring}`, slot: index });
    return { ...slot, status: "reverted" as const, instanceId: null };
  });
  events.push({ kind: "phase", message: reason });
  return { state: { ...state, slots, phase, reason }, actions, events };
}

export type RolloutCommand = "pause" | "resume" | "promote" | "abort";

/** The phases each operator command is allowed from. */
const commandFrom: Record<RolloutCommand, RolloutPhase[]> = {
  pause: ["running"],
  resume: ["paused"],
  promote: ["awaiting-promotion"],
  abort: ["running", "paused", "awaiting-promotion"],
};

export class RolloutCommandError extends Error {}

/** An operator's command. Abort only marks the rollout; the next tick carries out the revert. */
export function command(state: RolloutState, which: RolloutCommand, by: string, now: Date): Transition {
  if (!commandFrom[which].includes(state.phase)) {
    throw new RolloutCommandError(
      `cannot ${which} a rollout that is ${state.phase} (only when ${commandFrom[which].join(" or ")})`,
    );
  }
  const event = (message: string): RolloutEvent[] => [{ kind: "command", message: `${message} by ${by}` }];
  switch (which) {
    case "pause":
      return { state: { ...state, phase: "paused" }, actions: [], events: event("paused") };
    case "resume": {
      // Time spent paused does not count against instances still starting.
      const slots = state.slots.map((slot) =>
        slot.status === "starting" ? { ...slot, startedAt: now.toISOString() } : slot,
      );
      return { state: { ...state, slots, phase: "running" }, actions: [], events: event("resumed") };
    }
    case "promote":
      return {
        state: { ...state, phase: "running", canaryPromoted: true },
        actions: [],
        events: event("canary promoted"),
      };
    case "abort":
      return {
        state: { ...state, phase: "aborting", reason: `aborted by ${by}` },
        actions: [],
        events: event("abort requested"),
      };
  }
}

/** What the driver learned carrying out a start: the new instance, or why it could not be placed. */
export function startResult(state: RolloutState, slot: number, result: { instanceId: string } | { error: string }) {
  const slots = [...state.slots];
  const current = slots[slot]!;
  slots[slot] =
    "instanceId" in result
      ? { ...current, instanceId: result.instanceId }
      : { ...current, status: "failed", message: `could not place on ${current.nodeName}: ${result.error}` };
  return { ...state, slots };
}
