// The supervisor with a stand-in app (fixtures/fake-app.mjs): pinning, readiness, stop with SIGTERM
// and SIGKILL, restarts with backoff, crash loops, log rotation, log dir failures and adoption.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BackoffPolicy } from "./backoff.js";
import { programSpec } from "./spec.js";
import { type InstanceRecord, StateStore } from "./state-store.js";
import { Supervisor, type SupervisorOptions } from "./supervisor.js";

const fakeApp = fileURLToPath(new URL("./fixtures/fake-app.mjs", import.meta.url));
const fast: BackoffPolicy = {
  initialMs: 100,
  maxMs: 800,
  factor: 2,
  jitter: 0.2,
  resetAfterMs: 3000,
  crashLoopAfter: 4,
};
const fake = (id: string, mode: string[], extra: { cores?: number[]; logDir?: string; readyPrefix?: string } = {}) =>
  programSpec("fake", [process.execPath, fakeApp, ...mode], {
    id,
    cores: extra.cores ?? [0],
    logDir: extra.logDir,
    readyPrefix: "readyPrefix" in extra ? extra.readyPrefix : "ready ",
  });
const allowedCpus = (pid: number) =>
  /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("supervisor", () => {
  let stateDir: string;
  let supervisors: Supervisor[];
  const supervisor = (options: Partial<SupervisorOptions> = {}) => {
    const created = new Supervisor({
      stateDir,
      backoff: fast,
      stopTimeoutMs: 2000,
      pollMs: 50,
      random: () => 0.5,
      ...options,
    });
    supervisors.push(created);
    return created;
  };

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), "sluice-state-"));
    supervisors = [];
  });
  afterEach(async () => {
    for (const s of supervisors) await s.stopAll().catch(() => {});
    // A failed test may leave detached instances behind: kill whatever the state dir still names.
    for (const record of new StateStore(stateDir).list()) {
      for (const pid of [record.pid, record.shimPid]) if (pid !== undefined && alive(pid)) process.kill(pid, "SIGKILL");
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("starts an app pinned to its cores, sees it ready, and stops it with SIGTERM", async () => {
    const sup = supervisor();
    sup.start(fake("web", ["serve"], { cores: [1] }));
    const ready = await sup.waitFor("web", ["ready"]);
    expect(allowedCpus(ready.pid!)).toBe("1");
    expect(readFileSync(join(stateDir, "instances", "web", "pid"), "utf8")).toBe(`${ready.pid}\n`);
    expect(JSON.parse(readFileSync(join(stateDir, "instances", "web", "state.json"), "utf8"))).toMatchObject({
      state: "ready",
      pid: ready.pid,
      spec: { id: "web", cores: [1] },
    });
    const stopped = await sup.stop("web");
    expect(stopped.state).toBe("stopped");
    expect(stopped.exits.at(-1)).toMatchObject({ code: 0, signal: null });
    expect(alive(ready.pid!)).toBe(false);
    expect(existsSync(join(stateDir, "instances", "web", "pid"))).toBe(false);
    expect(readFileSync(stopped.logFile, "utf8")).toBe("ready fake\nbye\n");
  });

  it("without a ready line, is ready once taskset has exec'd the program under the same pid", async () => {
    const sup = supervisor();
    const spec = fake("plain", ["serve"], { readyPrefix: undefined, cores: [1] });
    expect(spec.launcher).toEqual(["taskset", "--cpu-list", "1"]);
    sup.start(spec);
    const { pid } = await sup.waitFor("plain", ["ready"]);
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1)).toEqual(spec.program);
    expect(allowedCpus(pid!)).toBe("1");
  });

  it("sends SIGKILL to an app that ignores SIGTERM, after the stop timeout", async () => {
    const sup = supervisor({ stopTimeoutMs: 300 });
    sup.start(fake("stubborn", ["stubborn"]));
    const { pid } = await sup.waitFor("stubborn", ["ready"]);
    const started = Date.now();
    const stopped = await sup.stop("stubborn");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(stopped.exits.at(-1)).toMatchObject({ code: null, signal: "SIGKILL" });
    expect(alive(pid!)).toBe(false);
    expect(readFileSync(stopped.logFile, "utf8")).toContain("ignoring SIGTERM");
  });

  it("restarts a killed app with growing delays, and reports a crash loop with exit codes and log lines", async () => {
    const sup = supervisor();
    const restarts: number[] = [];
    sup.on("restart", (record: InstanceRecord) => restarts.push(record.restarts));
    sup.start(fake("crashy", ["crash", "3"]));
    const looped = await new Promise<InstanceRecord>((resolve) => sup.on("crash-loop", resolve));
    expect(looped.state).toBe("crash-loop");
    expect(restarts).toEqual([1, 2, 3]);
    expect(looped.restarts).toBe(3);
    expect(looped.exits.map((e) => e.code)).toEqual([3, 3, 3, 3]);
    expect(looped.crashLoop!.summary).toBe(
      "crash loop: exited 4 times in a row, each within 3000 ms of starting (exit 3, exit 3, exit 3, exit 3)",
    );
    expect(looped.crashLoop!.lastLogLines.filter((l) => l === "fatal: bad config")).toHaveLength(4);
    // Backoff 100, 200, 400 ms (no jitter with random 0.5) between the exits.
    const gaps = looped.exits.slice(1).map((e, i) => Date.parse(e.at) - Date.parse(looped.exits[i]!.at));
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(200);
    expect(gaps[2]).toBeGreaterThanOrEqual(400);
    const onDisk = JSON.parse(readFileSync(join(stateDir, "instances", "crashy", "state.json"), "utf8"));
    expect(onDisk.state).toBe("crash-loop");
    expect(onDisk.crashLoop.exits).toHaveLength(4);
  });

  it("names the signal that killed an app, restarts it, and counts the restart", async () => {
    const sup = supervisor();
    sup.start(fake("victim", ["serve"]));
    const first = await sup.waitFor("victim", ["ready"]);
    const firstPid = first.pid!;
    process.kill(firstPid, "SIGKILL");
    await sup.waitFor("victim", ["backoff"]);
    const again = await sup.waitFor("victim", ["ready"]);
    expect(again.pid).not.toBe(firstPid);
    expect(again.restarts).toBe(1);
    expect(again.exits).toEqual([expect.objectContaining({ code: null, signal: "SIGKILL" })]);
  });

  it("rotates an instance's log with exact file counts", async () => {
    const sup = supervisor({ logPolicy: { maxBytes: 1000, keepFiles: 3 } });
    sup.start(fake("chatty", ["spew", "50"]));
    const record = await sup.waitFor("chatty", ["ready"]);
    const logDir = join(stateDir, "logs");
    expect(readdirSync(logDir).sort()).toEqual(["chatty.log", "chatty.log.1", "chatty.log.2"]);
    expect(readFileSync(join(logDir, "chatty.log.2"), "utf8").split("\n")[0]).toMatch(/^line 0031 /);
    expect(readFileSync(record.logFile, "utf8").split("\n").at(-2)).toBe("ready fake");
  });

  it("fails only the instance whose log dir cannot be written, with the precise reason", async () => {
    const sup = supervisor();
    writeFileSync(join(stateDir, "not-a-dir"), "");
    sup.start(fake("good", ["serve"]));
    const bad = sup.start(fake("bad", ["serve"], { logDir: join(stateDir, "not-a-dir", "logs") }));
    expect(bad.state).toBe("failed");
    expect(bad.reason).toMatch(/^cannot open log file .*\/not-a-dir\/logs\/bad\.log: ENOTDIR: not a directory/);
    expect((await sup.waitFor("good", ["ready"])).state).toBe("ready");
  });

  it("keeps an app running when its log disk fills up, and reports it; other instances go on", async () => {
    const full = join(stateDir, "tiny");
    mkdirSync(full);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", full]);
    try {
      const sup = supervisor();
      const logErrors: InstanceRecord[] = [];
      sup.on("log-error", (record: InstanceRecord) => logErrors.push(record));
      sup.start(fake("other", ["serve"]));
      sup.start(fake("flood", ["spew", "2000"], { logDir: full }));
      const flood = await sup.waitFor("flood", ["ready"]);
      expect(logErrors.length).toBeGreaterThan(0);
      expect(flood.logError).toMatch(
        /^writing .*\/tiny\/flood\.log: ENOSPC: no space left on device.*\(\d+ bytes of output dropped so far\)$/,
      );
      expect(alive(flood.pid!)).toBe(true);
      expect((await sup.waitFor("other", ["ready"])).state).toBe("ready");
      await sup.stopAll();
      expect(sup.status("flood").exits.at(-1)).toMatchObject({ code: 0 });
    } finally {
      execFileSync("umount", ["-l", full]);
    }
  });

  describe("after an agent restart", () => {
    let stranger: ChildProcess | undefined;
    afterEach(() => {
      stranger?.kill("SIGKILL");
      stranger = undefined;
    });

    it("adopts a live instance, then notices its crash and restarts it", async () => {
      const first = supervisor();
      first.start(fake("keeper", ["serve"]));
      const { pid } = await first.waitFor("keeper", ["ready"]);
      first.detach();
      expect(alive(pid!)).toBe(true);

      const second = supervisor();
      expect(second.adopt()).toEqual([
        { id: "keeper", action: "adopted", reason: `pid ${pid} runs the recorded command line` },
      ]);
      expect(second.status("keeper")).toMatchObject({ state: "ready", pid, restarts: 0 });
      process.kill(pid!, "SIGKILL");
      const again = await second.waitFor("keeper", ["backoff"]).then(() => second.waitFor("keeper", ["ready"]));
      expect(again.restarts).toBe(1);
      expect(again.exits.at(-1)).toMatchObject({ signal: "SIGKILL" });
      const stopped = await second.stop("keeper");
      expect(stopped.exits.at(-1)).toMatchObject({ code: 0 });
    });

    it("refuses a pid whose command line does not match and starts the instance afresh", async () => {
      const first = supervisor();
      first.start(fake("imposter", ["serve"]));
      const { pid } = await first.waitFor("imposter", ["ready"]);
      first.detach();
      process.kill(pid!, "SIGKILL");
      // Someone else now holds the pid the state file names.
      stranger = spawn("sleep", ["30"]);
      const statePath = join(stateDir, "instances", "imposter", "state.json");
      const record = JSON.parse(readFileSync(statePath, "utf8"));
      writeFileSync(statePath, JSON.stringify({ ...record, pid: stranger.pid, pidStartTime: undefined }));

      const second = supervisor();
      const [result] = second.adopt();
      expect(result).toEqual({
        id: "imposter",
        action: "restarted",
        reason: `pid ${stranger.pid} runs "sleep 30", not the recorded "${process.execPath} ${fakeApp} serve"`,
      });
      const fresh = await second.waitFor("imposter", ["ready"]);
      expect(fresh.pid).not.toBe(stranger.pid);
      expect(fresh.restarts).toBe(1);
      expect(alive(stranger.pid!)).toBe(true);
    });

    it("restarts an instance whose process is gone, keeping the exit status its shim wrote", async () => {
      const first = supervisor();
      first.start(fake("ghost", ["serve"]));
      const { pid } = await first.waitFor("ghost", ["ready"]);
      first.detach();
      process.kill(pid!, "SIGTERM");
      const exitFile = join(stateDir, "instances", "ghost", "exit.json");
      while (!existsSync(exitFile)) await new Promise((r) => setTimeout(r, 20));

      const second = supervisor();
      expect(second.adopt()[0]).toEqual({ id: "ghost", action: "restarted", reason: `pid ${pid} is not running` });
      const fresh = await second.waitFor("ghost", ["ready"]);
      expect(fresh.exits.at(-1)).toMatchObject({ code: 0, signal: null });
    });
  });
});
