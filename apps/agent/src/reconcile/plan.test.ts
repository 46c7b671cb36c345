import { describe, expect, it } from "vitest";
import type { InstanceSpec } from "../supervisor/spec.js";
import type { InstanceRecord, InstanceState } from "../supervisor/state-store.js";
import type { DesiredInstance, NodeResources } from "./desired.js";
import { specFactory } from "./execute.js";
import { planReconcile } from "./plan.js";

const node: NodeResources = {
  onlineCpus: [0, 1, 2, 3],
  nicQueues: new Map<string, number | undefined>([
    ["eth0", 4],
    ["eth1", 1],
    ["0000:81:00.1", undefined],
  ]),
};
const toSpec = specFactory();
const echo = (id: string, extra: Partial<DesiredInstance> = {}): DesiredInstance => ({
  id,
  app: "echo",
  version: "1",
  argv: ["run", "echo", "--backend", "xdp", "--iface", "eth0", "--ip", "198.18.0.1/24", "--port", "7"],
  cores: [1],
  nic: "eth0",
  queues: [0],
  ...extra,
});
const running = (desired: DesiredInstance, state: InstanceState = "ready"): InstanceRecord => ({
  spec: toSpec(desired),
  state,
  restarts: 0,
  failures: 0,
  exits: [],
  logFile: `/tmp/${desired.id}.log`,
  logPolicy: { maxBytes: 1000, keepFiles: 2 },
  updatedAt: "2026-01-01T00:00:00.000Z",
});
const plan = (desired: DesiredInstance[], records: InstanceRecord[] = []) =>
  planReconcile(desired, records, node, toSpec);
const summary = (desired: DesiredInstance[], records: InstanceRecord[] = []) => {
  const result = plan(desired, records);
  return { actions: result.actions.map((a) => `${a.kind} ${a.id}: ${a.reason}`), rejected: result.rejected };
};

describe("reconcile plan", () => {
  it("starts what is new, with the spec pinned to the first core", () => {
    const result = plan([echo("a"), echo("b", { cores: [2], queues: [1] })]);
    expect(result.actions.map((a) => [a.kind, a.id])).toEqual([
      ["start", "a"],
      ["start", "b"],
    ]);
    const spec = (result.actions[1] as { spec: InstanceSpec }).spec;
    expect(spec.program.slice(-2)).toEqual(["--core", "2"]);
    expect(spec).toMatchObject({ version: "1", nic: "eth0", queues: [1], app: "echo" });
    expect(result.rejected).toEqual([]);
  });

  it("keeps what runs unchanged, stops what is no longer desired, restarts what changed", () => {
    const a = echo("a");
    const b = echo("b", { cores: [2], queues: [1] });
    const c = echo("c", { cores: [3], queues: [2] });
    expect(
      summary(
        [a, { ...b, version: "2" }, { ...c, cores: [0] }],
        [running(a), running(b), running(c), running(echo("old", { cores: [0], queues: [3] }))],
      ),
    ).toEqual({
      actions: ["stop old: not desired", "restart b: version 1 → 2", "restart c: cores 3 → 0", "keep a: unchanged"],
      rejected: [],
    });
  });

  it("restarts on a changed command line, NIC or queues, and says what changed", () => {
    const a = echo("a");
    expect(summary([{ ...a, argv: [...a.argv, "--no-busy-poll"] }], [running(a)]).actions).toEqual([
      "restart a: command line changed",
    ]);
    expect(summary([{ ...a, nic: "eth1" }], [running(a)]).actions).toEqual(["restart a: nic eth0 → eth1"]);
    expect(summary([{ ...a, queues: [3] }], [running(a)]).actions).toEqual(["restart a: queues 0 → 3"]);
  });

  it("starts a stopped or failed instance again, but leaves a crash loop alone until its spec changes", () => {
    const a = echo("a");
    expect(summary([a], [running(a, "stopped")]).actions).toEqual(["start a: was stopped"]);
    expect(summary([a], [running(a, "failed")]).actions).toEqual(["start a: was failed"]);
    expect(summary([a], [running(a, "crash-loop")]).actions).toEqual([
      "keep a: crash loop: change its version or config to try again",
    ]);
    expect(summary([{ ...a, version: "2" }], [running(a, "crash-loop")]).actions).toEqual(["restart a: version 1 → 2"]);
    expect(summary([], [running(a, "stopped")]).actions).toEqual(["stop a: not desired (stopped)"]);
  });

  it("rejects cores and queues this node does not have, with the reason, and runs the rest", () => {
    const result = summary([
      echo("no-core", { cores: [7] }),
      echo("no-nic", { nic: "eth9" }),
      echo("no-queue", { nic: "eth1", queues: [1] }),
      echo("ok", { cores: [2] }),
      echo("no-cores", { cores: [] }),
      echo("bad id!"),
      echo("pci", { nic: "0000:81:00.1", queues: [5], cores: [3] }),
    ]);
    expect(result.rejected).toEqual([
      { id: "no-core", reason: "core 7 is not online on this node (online: 0-3)" },
      { id: "no-nic", reason: 'NIC "eth9" does not exist on this node (NICs: eth0, eth1, 0000:81:00.1)' },
      { id: "no-queue", reason: "queue 1 of eth1 does not exist (eth1 has 1 queue: 0)" },
      { id: "no-cores", reason: "no cores: every instance is pinned to at least one core" },
      { id: "bad id!", reason: 'instance id "bad id!" must be 1-64 characters of A-Z a-z 0-9 _ . -' },
    ]);
    expect(result.actions).toEqual(["start ok: new", "start pci: new"]);
  });

  it("rejects an instance whose core or queue another one holds; the first in the list wins", () => {
    const result = summary([
      echo("first"),
      echo("same-core", { queues: [1] }),
      echo("same-queue", { cores: [2] }),
      echo("other-nic", { cores: [3], nic: "eth1", queues: [0] }),
    ]);
    expect(result.rejected).toEqual([
      { id: "same-core", reason: 'core 1 is taken by instance "first"' },
      { id: "same-queue", reason: 'queue eth0:0 is taken by instance "first"' },
    ]);
    expect(result.actions).toEqual(["start first: new", "start other-nic: new"]);
  });

  it("never lets a new instance take the cores of one that runs unchanged, wherever it is listed", () => {
    const runningOne = echo("running", { cores: [2], queues: [2] });
    const result = summary([echo("newcomer", { cores: [2], queues: [3] }), runningOne], [running(runningOne)]);
    expect(result.rejected).toEqual([{ id: "newcomer", reason: 'core 2 is taken by instance "running"' }]);
    expect(result.actions).toEqual(["keep running: unchanged"]);
  });

  it("frees the resources of instances it stops or moves for the ones that want them", () => {
    const old = echo("old", { cores: [1], queues: [0] });
    const mover = echo("mover", { cores: [2], queues: [1] });
    const result = summary(
      [
        { ...mover, cores: [3], queues: [2] },
        echo("heir", { cores: [1], queues: [0] }),
        echo("heir2", { cores: [2], queues: [1] }),
      ],
      [running(old), running(mover)],
    );
    expect(result.rejected).toEqual([]);
    expect(result.actions).toEqual([
      "stop old: not desired",
      "restart mover: cores 2 → 3, queues 1 → 2",
      "start heir: new",
      "start heir2: new",
    ]);
  });

  it("rejects a duplicate id, and leaves a running instance alone when its new spec is rejected", () => {
    const a = echo("a");
    const result = summary(
      [{ ...a, cores: [9] }, echo("b", { cores: [2], queues: [1] }), echo("b", { cores: [3] })],
      [running(a)],
    );
    expect(result.rejected).toEqual([
      { id: "a", reason: "core 9 is not online on this node (online: 0-3)" },
      { id: "b", reason: 'instance id "b" appears more than once' },
    ]);
    expect(result.actions).toEqual(["start b: new", "keep a: desired spec rejected; left as it runs"]);
  });
});
