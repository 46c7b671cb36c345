// A process pinned to one core with taskset is found, and named in the conflict message; so is a
// process that pinned only one of its threads (how DPDK and Sluice pollers hold cores).
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { coreConflict, pinnedProcesses } from "./pinned-processes.js";

describe("cores held by other processes", () => {
  it("finds a process taskset to one core and names it; excluded pids are ignored", async () => {
    const child = spawn("taskset", ["--cpu-list", "0", "sleep", "30"], { stdio: "ignore" });
    try {
      // taskset execs sleep: wait until the pid runs sleep under the affinity.
      const found = await new Promise<ReturnType<typeof pinnedProcesses>[number]>((resolve, reject) => {
        const deadline = Date.now() + 10_000;
        const look = () => {
          const hit = pinnedProcesses().find((p) => p.pid === child.pid && p.command === "sleep");
          if (hit) resolve(hit);
          else if (Date.now() > deadline) reject(new Error("pinned sleep not found"));
          else setTimeout(look, 20);
        };
        look();
      });
      expect(found.core).toBe(0);
      const message = coreConflict([0], [found]);
      expect(message).toBe(`core 0 is taken by another process: pid ${child.pid} (sleep) is pinned to it alone`);
      expect(coreConflict([1], [found])).toBeUndefined();
      expect(pinnedProcesses(new Set([child.pid!])).some((p) => p.pid === child.pid)).toBe(false);
      // Kernel threads (ksoftirqd/0, ...) are pinned per CPU and never count.
      expect(pinnedProcesses().some((p) => p.command.startsWith("ksoftirqd"))).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("finds a thread pinned alone to a core while its main thread is free", async () => {
    // Python's os.sched_setaffinity(0, ...) sets the calling thread's affinity only (Linux semantics).
    const program = [
      "import os, threading, time",
      "def poller():",
      "    os.sched_setaffinity(0, {1})",
      "    time.sleep(30)",
      "threading.Thread(target=poller, name='poller').start()",
      "time.sleep(30)",
    ].join("\n");
    const child = spawn("python3", ["-c", program], { stdio: "ignore" });
    try {
      const found = await new Promise<ReturnType<typeof pinnedProcesses>[number]>((resolve, reject) => {
        const deadline = Date.now() + 10_000;
        const look = () => {
          const hit = pinnedProcesses().find((p) => p.pid === child.pid);
          if (hit) resolve(hit);
          else if (Date.now() > deadline) reject(new Error("pinned thread not found"));
          else setTimeout(look, 20);
        };
        look();
      });
      expect(found.core).toBe(1);
      expect(found.thread?.tid).not.toBe(child.pid);
      expect(coreConflict([1], [found])).toMatch(
        new RegExp(
          `^core 1 is taken by another process: pid ${child.pid} \\(python3\\) thread \\d+ \\(\\S+\\) is pinned to it alone$`,
        ),
      );
    } finally {
      child.kill("SIGKILL");
    }
  });
});
