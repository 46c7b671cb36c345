// Runs app instances as child processes of per-instance shims (shim.ts), pinned to their cores,
// restarts crashed ones with exponential backoff and jitter, reports crash loops, stops them with
// SIGTERM then SIGKILL, and persists everything in a state dir so a restarted agent can adopt what
// still runs (see README.md, "Adoption"). One instance's failures (its log dir, its program) are
// recorded on that instance and never thrown at, or stop, the others.
import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type BackoffPolicy, DEFAULT_BACKOFF, failuresAfterExit, restartDelay } from "./backoff.js";
import { lastLogLines } from "./log-tail.js";
import { isAlive, readCmdline, sameArgv, startTime } from "./proc.js";
import { DEFAULT_LOG_POLICY, type LogPolicy } from "./rotating-log.js";
import type { ShimEvent } from "./shim.js";
import type { InstanceSpec } from "./spec.js";
import {
  EXIT_HISTORY,
  type ExitFile,
  type ExitRecord,
  type InstanceRecord,
  type InstanceState,
  StateStore,
} from "./state-store.js";

export interface SupervisorOptions {
  stateDir: string;
  /** Where instance logs go unless their spec says otherwise; default STATE_DIR/logs. */
  logDir?: string;
  logPolicy?: LogPolicy;
  backoff?: BackoffPolicy;
  /** How long SIGTERM gets before SIGKILL. */
  stopTimeoutMs?: number;
  /** How often adopted instances (not our children) are checked. */
  pollMs?: number;
  /** Log lines in a crash-loop report. */
  crashLogLines?: number;
  random?: () => number;
}

export interface AdoptionResult {
  id: string;
  action: "adopted" | "restarted" | "loaded";
  reason: string;
}

export class UnknownInstanceError extends Error {
  override readonly name = "UnknownInstanceError";
  constructor(readonly id: string) {
    super(`no instance "${id}"`);
  }
}

interface Live {
  record: InstanceRecord;
  shim?: ChildProcess;
  shimStderr: string;
  watcher?: NodeJS.Timeout;
  restartTimer?: NodeJS.Timeout;
  exitWaiters: (() => void)[];
}

const RUNNING: readonly InstanceState[] = ["starting", "ready"];
const FINAL: readonly InstanceState[] = ["stopped", "crash-loop", "failed"];

function shimCommand(): string[] {
  const here = import.meta.url;
  // Under vitest this module is TypeScript; the shim then runs through tsx like the tests do.
  if (here.endsWith(".ts")) return [process.execPath, "--import", "tsx", fileURLToPath(new URL("./shim.ts", here))];
  return [process.execPath, fileURLToPath(new URL("./shim.js", here))];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeExit(exit: ExitRecord): string {
  if (exit.error) return exit.error;
  return exit.signal ? `killed by ${exit.signal}` : `exit ${exit.code}`;
}

export class Supervisor extends EventEmitter {
  readonly store: StateStore;
  private readonly logDir: string;
  private readonly logPolicy: LogPolicy;
  private readonly backoff: BackoffPolicy;
  private readonly stopTimeoutMs: number;
  private readonly pollMs: number;
  private readonly crashLogLines: number;
  private readonly random: () => number;
  private readonly instances = new Map<string, Live>();

  constructor(options: SupervisorOptions) {
    super();
    this.store = new StateStore(options.stateDir);
    this.logDir = options.logDir ?? join(options.stateDir, "logs");
    this.logPolicy = options.logPolicy ?? DEFAULT_LOG_POLICY;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5000;
    this.pollMs = options.pollMs ?? 200;
    this.crashLogLines = options.crashLogLines ?? 20;
    this.random = options.random ?? Math.random;
  }

  list(): InstanceRecord[] {
    return [...this.instances.values()].map((live) => live.record);
  }

  status(id: string): InstanceRecord {
    const live = this.instances.get(id);
    if (!live) throw new UnknownInstanceError(id);
    return live.record;
  }

  /** Starts an instance; failures to start are recorded on it (state "failed"), not thrown. */
  start(spec: InstanceSpec): InstanceRecord {
    const existing = this.instances.get(spec.id);
    if (existing && !FINAL.includes(existing.record.state)) {
      throw new Error(`instance "${spec.id}" is already ${existing.record.state}`);
    }
    const live: Live = {
      record: {
        spec,
        state: "starting",
        restarts: 0,
        failures: 0,
        exits: [],
        logFile: join(spec.logDir ?? this.logDir, `${spec.id}.log`),
        logPolicy: this.logPolicy,
        updatedAt: new Date().toISOString(),
      },
      shimStderr: "",
      exitWaiters: [],
    };
    this.instances.set(spec.id, live);
    this.launch(live);
    return live.record;
  }

  /** Resolves when the instance reaches one of `states`; rejects on timeout or a final state. */
  waitFor(id: string, states: readonly InstanceState[], timeoutMs = 20_000): Promise<InstanceRecord> {
    const record = this.status(id);
    if (states.includes(record.state)) return Promise.resolve(record);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("state", onState);
        const now = this.status(id);
        reject(
          new Error(`instance ${id} not ${states.join("/")} within ${timeoutMs} ms: ${now.state} ${now.reason ?? ""}`),
        );
      }, timeoutMs);
      const onState = (changed: InstanceRecord) => {
        if (changed.spec.id !== id) return;
        const done = states.includes(changed.state);
        if (!done && !FINAL.includes(changed.state)) return;
        clearTimeout(timer);
        this.off("state", onState);
        if (done) resolve(changed);
        else reject(new Error(`instance ${id} is ${changed.state}: ${changed.reason ?? ""}`));
      };
      this.on("state", onState);
    });
  }

  /** SIGTERM, then SIGKILL after the stop timeout; resolves with the final record. */
  async stop(id: string, options: { forget?: boolean; timeoutMs?: number } = {}): Promise<InstanceRecord> {
    const live = this.instances.get(id);
    if (!live) throw new UnknownInstanceError(id);
    const { record } = live;
    clearTimeout(live.restartTimer);
    if (record.state === "backoff") this.update(live, { state: "stopped" });
    if (RUNNING.includes(record.state)) {
      this.update(live, { state: "stopping" });
      const exited = new Promise<void>((resolve) => live.exitWaiters.push(resolve));
      this.signal(live, "SIGTERM");
      const timeoutMs = options.timeoutMs ?? this.stopTimeoutMs;
      const inTime = await Promise.race([exited.then(() => true), delay(timeoutMs).then(() => false)]);
      if (!inTime) {
        this.signal(live, "SIGKILL");
        await Promise.race([exited, delay(5000)]);
        // The process is gone even if its shim never reported; do not wait for it any longer.
        if (live.record.state === "stopping") this.recordExit(live, { code: null, signal: "SIGKILL" });
      }
    }
    if (options.forget) {
      this.forget(live);
      this.store.remove(id);
      this.instances.delete(id);
    }
    return live.record;
  }

  /**
   * Takes over the instances a previous agent left in the state dir: adopts those whose pid is
   * alive, runs the recorded command line and started at the recorded time; restarts the others
   * cleanly without touching whatever process now has their pid.
   */
  adopt(): AdoptionResult[] {
    const results: AdoptionResult[] = [];
    for (const record of this.store.list()) {
      const id = record.spec.id;
      if (this.instances.has(id)) continue;
      const live: Live = { record, shimStderr: "", exitWaiters: [] };
      this.instances.set(id, live);
      if (FINAL.includes(record.state)) {
        results.push({ id, action: "loaded", reason: `${record.state}: not started` });
        continue;
      }
      const refusal = this.adoptionRefusal(record);
      if (refusal === undefined) {
        results.push({ id, action: "adopted", reason: `pid ${record.pid} runs the recorded command line` });
        this.watchAdopted(live);
        this.emit("adopted", record);
        continue;
      }
      const exit = this.store.readExit(id);
      if (exit && record.pid !== undefined) this.pushExit(live, exit);
      results.push({ id, action: "restarted", reason: refusal });
      this.update(live, { pid: undefined, pidStartTime: undefined, reason: `restarted at adoption: ${refusal}` });
      this.launch(live, true);
    }
    return results;
  }

  /** Stops watching without stopping anything: the instances keep running for the next agent. */
  detach(): void {
    for (const live of this.instances.values()) this.forget(live);
    this.instances.clear();
  }

  /** Stops every instance (used when the agent is told to take its node out of service). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.instances.keys()].map((id) => this.stop(id)));
  }

  private adoptionRefusal(record: InstanceRecord): string | undefined {
    const { pid } = record;
    if (record.state === "backoff") return "it was waiting to restart";
    if (pid === undefined) return "no pid was recorded";
    if (!isAlive(pid)) return `pid ${pid} is not running`;
    const cmdline = readCmdline(pid);
    if (!sameArgv(cmdline, record.spec.program)) {
      return `pid ${pid} runs "${(cmdline ?? []).join(" ")}", not the recorded "${record.spec.program.join(" ")}"`;
    }
    if (record.pidStartTime !== undefined && startTime(pid) !== record.pidStartTime) {
      return `pid ${pid} was started at a different time than the recorded instance (pid reused)`;
    }
    return undefined;
  }

  private launch(live: Live, isRestart = false): void {
    const { record } = live;
    const { spec } = record;
    if (isRestart) record.restarts += 1;
    this.update(live, {
      state: "starting",
      pid: undefined,
      pidStartTime: undefined,
      readyAt: undefined,
      readyLine: undefined,
    });
    try {
      mkdirSync(join(record.logFile, ".."), { recursive: true });
      closeSync(openSync(record.logFile, "a"));
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      this.fail(
        live,
        `cannot open log file ${record.logFile}: ${e.code ?? "error"}: ${e.message.replace(/^[A-Z]+: /, "")}`,
      );
      return;
    }
    let instanceDir: string;
    try {
      this.store.writeLaunch(spec.id, {
        argv: [...spec.launcher, ...spec.program],
        logFile: record.logFile,
        logPolicy: record.logPolicy,
        readyPrefix: spec.readyPrefix,
      });
      instanceDir = this.store.instanceDir(spec.id);
    } catch (error) {
      this.fail(live, `cannot write the state dir ${this.store.dir}: ${errorText(error)}`);
      return;
    }
    const [command, ...args] = shimCommand();
    const shim = spawn(command!, [...args, instanceDir], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    live.shim = shim;
    live.shimStderr = "";
    let reportedExit = false;
    createInterface({ input: shim.stdout! }).on("line", (line) => {
      let event: ShimEvent;
      try {
        event = JSON.parse(line) as ShimEvent;
      } catch {
        return;
      }
      if (event.event === "exit") reportedExit = true;
      if (live.shim === shim) this.onShimEvent(live, event);
    });
    shim.stderr!.setEncoding("utf8").on("data", (text: string) => {
      live.shimStderr = (live.shimStderr + text).slice(-4000);
    });
    shim.on("exit", (code, signal) => {
      if (reportedExit || live.shim !== shim) return;
      // The shim died without reporting (killed, or broken): fall back to what it left on disk.
      const exit = this.store.readExit(spec.id);
      const detail = live.shimStderr.trim().split("\n").at(-1) ?? "";
      this.onShimEvent(
        live,
        exit
          ? { event: "exit", code: exit.code, signal: exit.signal, error: exit.error }
          : {
              event: "exit",
              code: null,
              signal: null,
              error: `instance shim exited (${signal ?? `code ${code}`}) without reporting: ${detail}`,
            },
      );
    });
  }

  private onShimEvent(live: Live, event: ShimEvent): void {
    const { record } = live;
    switch (event.event) {
      case "started":
        this.update(live, {
          pid: event.pid,
          shimPid: live.shim?.pid,
          pidStartTime: startTime(event.pid),
          startedAt: new Date().toISOString(),
        });
        if (record.spec.readyPrefix === undefined) this.readyOnceExeced(live, event.pid);
        return;
      case "ready":
        if (record.state !== "starting") return;
        this.update(live, {
          state: "ready",
          readyAt: new Date().toISOString(),
          ...(event.line ? { readyLine: event.line } : {}),
        });
        this.emit("ready", live.record);
        return;
      case "log-error":
        this.update(live, { logError: `${event.message} (${event.droppedBytes} bytes of output dropped so far)` });
        this.emit("log-error", live.record);
        return;
      case "log-ok":
        this.update(live, { logError: undefined });
        return;
      case "exit":
        live.shim = undefined;
        this.recordExit(live, { code: event.code, signal: event.signal, error: event.error });
        return;
    }
  }

  /**
   * Without a ready line, an instance is ready once its launchers (taskset, ip netns exec) have
   * exec'd the program: before that its pid runs the launcher, and adoption would not recognise it.
   */
  private readyOnceExeced(live: Live, pid: number): void {
    const deadline = Date.now() + 5000;
    const check = () => {
      if (live.record.state !== "starting" || live.record.pid !== pid) return;
      if (sameArgv(readCmdline(pid), live.record.spec.program) || Date.now() > deadline) {
        this.onShimEvent(live, { event: "ready", line: "" });
        return;
      }
      setTimeout(check, 5);
    };
    check();
  }

  private pushExit(live: Live, exit: Omit<ExitFile, "at"> & { at?: string }): ExitRecord {
    const { record } = live;
    const startedAt = record.startedAt ? Date.parse(record.startedAt) : Date.now();
    const entry: ExitRecord = {
      code: exit.code,
      signal: exit.signal,
      at: exit.at ?? new Date().toISOString(),
      uptimeMs: Math.max(0, Date.now() - startedAt),
      ...(exit.error ? { error: exit.error } : {}),
    };
    record.exits = [...record.exits, entry].slice(-EXIT_HISTORY);
    return entry;
  }

  private recordExit(live: Live, exit: Omit<ExitFile, "at">): void {
    const { record } = live;
    clearInterval(live.watcher);
    live.watcher = undefined;
    const entry = this.pushExit(live, exit);
    const waiters = live.exitWaiters.splice(0);
    if (record.state === "stopping") {
      this.update(live, { state: "stopped", pid: undefined, shimPid: undefined });
      this.emit("stopped", record);
      for (const resolve of waiters) resolve();
      return;
    }
    for (const resolve of waiters) resolve();
    const failures = failuresAfterExit(record.failures, entry.uptimeMs, this.backoff);
    this.update(live, { failures, pid: undefined, shimPid: undefined });
    this.emit("exit", record, entry);
    if (failures >= this.backoff.crashLoopAfter) {
      const exits = record.exits.slice(-failures);
      const summary = `crash loop: exited ${failures} times in a row, each within ${this.backoff.resetAfterMs} ms of starting (${exits.map(describeExit).join(", ")})`;
      this.update(live, {
        state: "crash-loop",
        reason: summary,
        crashLoop: {
          summary,
          exits,
          lastLogLines: lastLogLines(record.logFile, record.logPolicy.keepFiles, this.crashLogLines),
        },
      });
      this.emit("crash-loop", live.record);
      return;
    }
    const wait = restartDelay(failures, this.backoff, this.random);
    this.update(live, { state: "backoff", reason: `${describeExit(entry)}; restarting in ${wait} ms` });
    live.restartTimer = setTimeout(() => {
      if (live.record.state !== "backoff") return;
      this.launch(live, true);
      this.emit("restart", live.record);
    }, wait);
  }

  private watchAdopted(live: Live): void {
    const { record } = live;
    live.watcher = setInterval(() => {
      const exit = this.store.readExit(record.spec.id);
      const pid = record.pid;
      const gone = pid === undefined || !isAlive(pid) || startTime(pid) !== record.pidStartTime;
      if (exit || gone) {
        this.recordExit(
          live,
          exit ?? { code: null, signal: null, error: "exited while no agent watched (no exit status)" },
        );
        return;
      }
      if (record.state === "starting" && record.spec.readyPrefix !== undefined) {
        const line = lastLogLines(record.logFile, record.logPolicy.keepFiles, 200).find((l) =>
          l.startsWith(record.spec.readyPrefix!),
        );
        if (line) this.onShimEvent(live, { event: "ready", line });
      }
    }, this.pollMs);
  }

  private signal(live: Live, signal: NodeJS.Signals): void {
    const { pid } = live.record;
    const target = pid ?? (live.shim?.pid === undefined ? undefined : -live.shim.pid);
    if (target === undefined) return;
    try {
      process.kill(target, signal);
    } catch {
      // already gone: its exit is on its way
    }
  }

  private fail(live: Live, reason: string): void {
    this.update(live, { state: "failed", reason });
    this.emit("failed", live.record);
  }

  private forget(live: Live): void {
    clearTimeout(live.restartTimer);
    clearInterval(live.watcher);
    if (live.shim) {
      live.shim.stdout?.destroy();
      live.shim.stderr?.destroy();
      live.shim.unref();
      live.shim = undefined;
    }
  }

  private update(live: Live, changes: Partial<InstanceRecord>): void {
    Object.assign(live.record, changes, { updatedAt: new Date().toISOString() });
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) delete (live.record as unknown as Record<string, unknown>)[key];
    }
    try {
      this.store.write(live.record);
    } catch (error) {
      // The state dir is full or gone: the instance runs on; say so once per change.
      this.emit("state-error", live.record, `cannot write the state of ${live.record.spec.id}: ${errorText(error)}`);
    }
    this.emit("state", live.record);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
