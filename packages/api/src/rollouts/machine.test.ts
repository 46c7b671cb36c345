import { describe, expect, it } from "vitest";
import {
  advance,
  command,
  type InstanceObservation,
  initialState,
  RolloutCommandError,
  type RolloutSpec,
  type RolloutState,
  startResult,
} from "./machine.js";

const t0 = new Date("2025-06-01T12:00:00Z");
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const spec: RolloutSpec = { maxUnavailable: 1, canary: 0, healthTimeoutMs: 30_000, requireTraffic: false };

/** Three nodes, each running the old version (id 1) as instance old-N. */
const threeNodes = () =>
  initialState(
    ["a", "b", "c"].map((name) => ({
      nodeId: `node-${name}`,
      nodeName: name,
      fromInstanceId: `old-${name}`,
      fromVersionId: 1,
    })),
  );

const observe = (entries: Record<string, Partial<InstanceObservation>>) =>
  new Map(
    Object.entries(entries).map(([id, seen]) => [id, { reportedState: null, trafficSeen: false, ...seen }] as const),
  );

/** Plays the driver: every start gets instance new-<slot>. */
function placed(state: RolloutState, actions: ReturnType<typeof advance>["actions"]): RolloutState {
  return actions.reduce(
    (next, action) =>
      action.kind === "start" ? startResult(next, action.slot, { instanceId: `new-${action.slot}` }) : next,
    state,
  );
}

describe("rollout state machine", () => {
  it("rolls one slot at a time with maxUnavailable 1 and succeeds when all are healthy", () => {
    let state = threeNodes();
    let step = advance(spec, state, observe({}), at(0));
    expect(step.actions).toEqual([{ kind: "start", slot: 0, release: "old-a" }]);
    state = placed(step.state, step.actions);

    // Still starting: nothing new starts.
    step = advance(spec, state, observe({ "new-0": { reportedState: "starting" } }), at(1));
    expect(step.actions).toEqual([]);
    expect(step.state.slots.map((slot) => slot.status)).toEqual(["starting", "pending", "pending"]);

    step = advance(spec, step.state, observe({ "new-0": { reportedState: "running" } }), at(2));
    expect(step.actions).toEqual([{ kind: "start", slot: 1, release: "old-b" }]);
    expect(step.events.map((event) => event.kind)).toEqual(["slot.healthy", "slot.start"]);
    state = placed(step.state, step.actions);

    const running = { "new-0": { reportedState: "running" }, "new-1": { reportedState: "running" } };
    step = advance(spec, state, observe(running), at(3));
    expect(step.actions).toEqual([{ kind: "start", slot: 2, release: "old-c" }]);
    state = placed(step.state, step.actions);

    step = advance(spec, state, observe({ ...running, "new-2": { reportedState: "running" } }), at(4));
    expect(step.state.phase).toBe("succeeded");
    expect(step.actions).toEqual([]);
  });

  it("starts up to maxUnavailable slots at once", () => {
    const step = advance({ ...spec, maxUnavailable: 2 }, threeNodes(), observe({}), at(0));
    expect(step.actions.map((action) => action.slot)).toEqual([0, 1]);
  });

  it("pauses after the canary and continues only when promoted", () => {
    const canary = { ...spec, maxUnavailable: 3, canary: 1 };
    let step = advance(canary, threeNodes(), observe({}), at(0));
    expect(step.actions).toEqual([{ kind: "start", slot: 0, release: "old-a" }]);
    step = advance(canary, placed(step.state, step.actions), observe({ "new-0": { reportedState: "running" } }), at(1));
    expect(step.state.phase).toBe("awaiting-promotion");
    expect(step.actions).toEqual([]);

    // Ticks while waiting change nothing.
    expect(advance(canary, step.state, observe({}), at(100)).state).toEqual(step.state);
    expect(() => command(step.state, "resume", "otto", at(101))).toThrow(RolloutCommandError);

    const promoted = command(step.state, "promote", "otto", at(101));
    expect(promoted.state).toMatchObject({ phase: "running", canaryPromoted: true });
    step = advance(canary, promoted.state, observe({ "new-0": { reportedState: "running" } }), at(102));
    expect(step.actions.map((action) => action.slot)).toEqual([1, 2]);
  });

  it("rolls back every touched slot when an instance reports failed", () => {
    const two = { ...spec, maxUnavailable: 2 };
    let step = advance(two, threeNodes(), observe({}), at(0));
    const state = placed(step.state, step.actions);
    step = advance(
      two,
      state,
      observe({ "new-0": { reportedState: "running" }, "new-1": { reportedState: "failed" } }),
      at(5),
    );
    expect(step.state.phase).toBe("rolled-back");
    expect(step.state.reason).toBe("rolled back: instance on b reported failed");
    expect(step.actions).toEqual([
      { kind: "revert", slot: 0, release: "new-0", restoreVersionId: 1 },
      { kind: "revert", slot: 1, release: "new-1", restoreVersionId: 1 },
    ]);
    expect(step.state.slots.map((slot) => slot.status)).toEqual(["reverted", "reverted", "pending"]);
    // A finished rollout does nothing more.
    expect(advance(two, step.state, observe({}), at(6)).actions).toEqual([]);
  });

  it("rolls back when an instance is not healthy within the timeout, naming what it lacked", () => {
    const gated = { ...spec, requireTraffic: true };
    let step = advance(gated, threeNodes(), observe({}), at(0));
    const state = placed(step.state, step.actions);
    const seen = observe({ "new-0": { reportedState: "running", trafficSeen: false } });
    step = advance(gated, state, seen, at(29));
    expect(step.state.slots[0]?.status).toBe("starting");
    step = advance(gated, state, seen, at(30));
    expect(step.state.phase).toBe("rolled-back");
    expect(step.state.reason).toBe("rolled back: instance on a not healthy within 30 s (no traffic)");
    expect(step.actions).toEqual([{ kind: "revert", slot: 0, release: "new-0", restoreVersionId: 1 }]);
  });

  it("counts traffic as healthy when the spec asks for it", () => {
    const gated = { ...spec, requireTraffic: true };
    const step = advance(gated, threeNodes(), observe({}), at(0));
    const next = advance(
      gated,
      placed(step.state, step.actions),
      observe({ "new-0": { reportedState: "running", trafficSeen: true } }),
      at(1),
    );
    expect(next.state.slots[0]?.status).toBe("healthy");
  });

  it("rolls back when a new instance cannot be placed", () => {
    const step = advance(spec, threeNodes(), observe({}), at(0));
    const state = startResult(step.state, 0, { error: "no free cores" });
    const next = advance(spec, state, observe({}), at(1));
    expect(next.state.reason).toBe("rolled back: could not place on a: no free cores");
    expect(next.actions).toEqual([{ kind: "revert", slot: 0, release: null, restoreVersionId: 1 }]);
  });

  it("removes, rather than restores, instances of a first rollout that fails", () => {
    const fresh = initialState([{ nodeId: "n", nodeName: "a", fromInstanceId: null, fromVersionId: null }]);
    const step = advance(spec, fresh, observe({}), at(0));
    expect(step.actions).toEqual([{ kind: "start", slot: 0, release: null }]);
    const next = advance(
      spec,
      placed(step.state, step.actions),
      observe({ "new-0": { reportedState: "failed" } }),
      at(1),
    );
    expect(next.actions).toEqual([{ kind: "revert", slot: 0, release: "new-0", restoreVersionId: null }]);
    expect(next.events.find((event) => event.kind === "slot.revert")?.message).toBe("reverting a: removing it");
  });

  it("pauses without judging or starting, and resumes with a fresh timeout", () => {
    let step = advance(spec, threeNodes(), observe({}), at(0));
    const paused = command(placed(step.state, step.actions), "pause", "otto", at(1));
    step = advance(spec, paused.state, observe({ "new-0": { reportedState: "failed" } }), at(100));
    expect(step.state.phase).toBe("paused");
    expect(step.actions).toEqual([]);

    const resumed = command(step.state, "resume", "otto", at(100));
    expect(resumed.state.slots[0]?.startedAt).toBe(at(100).toISOString());
    step = advance(spec, resumed.state, observe({}), at(120));
    expect(step.state.phase).toBe("running");
  });

  it("aborts on the next tick by reverting what was touched", () => {
    let step = advance(spec, threeNodes(), observe({}), at(0));
    const aborted = command(placed(step.state, step.actions), "abort", "otto", at(1));
    expect(aborted.state).toMatchObject({ phase: "aborting", reason: "aborted by otto" });
    expect(aborted.actions).toEqual([]);
    step = advance(spec, aborted.state, observe({}), at(2));
    expect(step.state.phase).toBe("aborted");
    expect(step.actions).toEqual([{ kind: "revert", slot: 0, release: "new-0", restoreVersionId: 1 }]);
    expect(() => command(step.state, "abort", "otto", at(3))).toThrow("cannot abort a rollout that is aborted");
  });
});

describe("error-rate health gate", () => {
  const canarySpec: RolloutSpec = { ...spec, canary: 1 };

  it("fails a running instance that drops more than the default bound and rolls everything back", () => {
    let state = placed(advance(spec, threeNodes(), observe({}), at(0)).state, [
      { kind: "start", slot: 0, release: "old-a" },
    ]);
    // 5 % dropped, within the health timeout and reported running: only the error rate can fail it.
    const step = advance(spec, state, observe({ "new-0": { reportedState: "running", errorRate: 0.05 } }), at(1));
    expect(step.state.phase).toBe("rolled-back");
    expect(step.state.reason).toBe("rolled back: instance on a drops 5 % of its packets (bound 1 %)");
    expect(step.actions).toEqual([{ kind: "revert", slot: 0, release: "new-0", restoreVersionId: 1 }]);
    state = step.state;
    expect(state.slots.map((slot) => slot.status)).toEqual(["reverted", "pending", "pending"]);
  });

  it("uses the version's bound, and does not judge an instance with too few packets (null)", () => {
    const lenient: RolloutSpec = { ...spec, maxErrorRate: 0.1 };
    const state = placed(advance(lenient, threeNodes(), observe({}), at(0)).state, [
      { kind: "start", slot: 0, release: "old-a" },
    ]);
    const within = advance(lenient, state, observe({ "new-0": { reportedState: "running", errorRate: 0.05 } }), at(1));
    expect(within.state.slots[0]!.status).toBe("healthy");
    const unjudged = advance(spec, state, observe({ "new-0": { reportedState: "running", errorRate: null } }), at(1));
    expect(unjudged.state.slots[0]!.status).toBe("healthy");
  });

  it("keeps watching a canary waiting for promotion and rolls it back when its error rate climbs", () => {
    let step = advance(canarySpec, threeNodes(), observe({}), at(0));
    let state = placed(step.state, step.actions);
    step = advance(canarySpec, state, observe({ "new-0": { reportedState: "running", errorRate: 0 } }), at(1));
    expect(step.state.phase).toBe("awaiting-promotion");
    state = step.state;
    step = advance(canarySpec, state, observe({ "new-0": { reportedState: "running", errorRate: 0.002 } }), at(2));
    expect([step.state.phase, step.actions]).toEqual(["awaiting-promotion", []]);
    step = advance(canarySpec, state, observe({ "new-0": { reportedState: "running", errorRate: 0.3 } }), at(3));
    expect(step.state.phase).toBe("rolled-back");
    expect(step.actions).toEqual([{ kind: "revert", slot: 0, release: "new-0", restoreVersionId: 1 }]);
  });

  it("rolls back when a healthy new instance later reports failed (a crash after start)", () => {
    let step = advance({ ...spec, maxUnavailable: 1 }, threeNodes(), observe({}), at(0));
    let state = placed(step.state, step.actions);
    step = advance(spec, state, observe({ "new-0": { reportedState: "running" } }), at(1));
    state = placed(step.state, step.actions);
    expect(state.slots.map((slot) => slot.status)).toEqual(["healthy", "starting", "pending"]);
    step = advance(spec, state, observe({ "new-0": { reportedState: "failed" } }), at(2));
    expect(step.state.reason).toBe("rolled back: instance on a reported failed");
  });
});
