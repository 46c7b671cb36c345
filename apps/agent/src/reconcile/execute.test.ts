// Plans applied through a real supervisor with stand-in apps: start, restart on change, stop what is
// no longer desired, and reject what the node cannot give while the rest runs.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Supervisor } from "../supervisor/supervisor.js";
import type { DesiredInstance, NodeResources } from "./desired.js";
import { applyPlan, specFactory } from "./execute.js";
import { planReconcile } from "./plan.js";

const fakeApp = fileURLToPath(new URL("../supervisor/fixtures/fake-app.mjs", import.meta.url));
const node: NodeResources = { onlineCpus: [0, 1], nicQueues: new Map([["eth0", 1]]) };
const fake = (id: string, core: number, version = "1"): DesiredInstance => ({
  id,
  app: "fake",
  version,
  runtime: "program",
  readyPrefix: "ready ",
  argv: [process.execPath, fakeApp, "serve"],
  cores: [core],
  queues: [],
});

describe("reconcile executor", () => {
  let stateDir: string;
  let supervisor: Supervisor;
  const toSpec = specFactory();
  const reconcile = (desired: DesiredInstance[]) => {
    const plan = planReconcile(desired, supervisor.list(), node, toSpec);
    return applyPlan(supervisor, plan).then((results) => ({ results, rejected: plan.rejected }));
  };

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), "sluice-reconcile-"));
    supervisor = new Supervisor({ stateDir });
  });
  afterEach(async () => {
    await supervisor.stopAll();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("starts, restarts on a version change, stops the undesired, and rejects what does not fit", async () => {
    const first = await reconcile([fake("a", 0), fake("b", 1)]);
    expect(first.results.map((r) => `${r.action} ${r.id} ${r.ok}`)).toEqual(["start a true", "start b true"]);
    const aPid = (await supervisor.waitFor("a", ["ready"])).pid;
    await supervisor.waitFor("b", ["ready"]);

    const second = await reconcile([fake("a", 0, "2"), fake("c", 1), fake("d", 5), fake("e", 0)]);
    expect(second.rejected).toEqual([
      { id: "d", reason: "core 5 is not online on this node (online: 0-1)" },
      { id: "e", reason: 'core 0 is taken by instance "a"' },
    ]);
    expect(second.results.map((r) => `${r.action} ${r.id} ${r.ok} ${r.detail}`)).toEqual([
      "stop b true not desired",
      "restart a true version 1 → 2",
      "start c true new",
    ]);
    const a = await supervisor.waitFor("a", ["ready"]);
    expect(a.pid).not.toBe(aPid);
    expect(a.spec.version).toBe("2");
    await supervisor.waitFor("c", ["ready"]);
    expect(supervisor.list().map((r) => r.spec.id)).toEqual(["a", "c"]);
    expect(existsSync(join(stateDir, "instances", "b"))).toBe(false);

    const third = await reconcile([fake("a", 0, "2"), fake("c", 1)]);
    expect(third.results.map((r) => `${r.action} ${r.id}`)).toEqual(["keep a", "keep c"]);
    expect(supervisor.status("a").pid).toBe(a.pid);
  });
});
