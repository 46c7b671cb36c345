// `sluice agent`: joins the control plane once (or reuses the stored credential), adopts what a
// previous agent left running, then loops: heartbeat with inventory and instance statuses, fetch the
// desired state, reconcile through the supervisor. Stats are sampled and sent every second. When the
// control plane is unreachable the apps keep running, the agent retries with exponential backoff and
// jitter, and logs each change of connection state once (not each attempt).
import { mkdirSync } from "node:fs";
import type { DesiredState, NodeInventory as ReportedInventory, StatsSample } from "@sluice/proto";
import { type NodeInventory, readNodeInventory } from "../inventory/node.js";
import { coreConflict, pinnedProcesses } from "../inventory/pinned-processes.js";
import { agentMetrics } from "../metrics/agent-metrics.js";
import { type MetricsServer, startMetricsServer } from "../metrics/server.js";
import { nodeResources } from "../reconcile/desired.js";
import { applyPlan, specFactory } from "../reconcile/execute.js";
import { type Plan, planReconcile } from "../reconcile/plan.js";
import { StatsOutbox, StatsSampler } from "../stats/sampler.js";
import { type BackoffPolicy, restartDelay } from "../supervisor/backoff.js";
import type { ExitRecord, InstanceRecord } from "../supervisor/state-store.js";
import { Supervisor, type SupervisorOptions } from "../supervisor/supervisor.js";
import { ArtifactCache } from "./artifacts.js";
import {
  type CallFailure,
  type ControlPlaneClient,
  classifyFailure,
  createControlPlaneClient,
} from "./control-plane.js";
import { type NodeCredential, readCredential, writeCredential } from "./credential.js";
import { translateDesired } from "./desired-translation.js";
import { inventoryReport } from "./inventory-report.js";
import { errorText, type Logger } from "./log.js";
import { instanceStatuses } from "./statuses.js";

export interface AgentOptions {
  controlPlane: string;
  token?: string;
  name?: string;
  stateDir: string;
  metricsListen?: { host: string; port: number };
  heartbeatIntervalMs: number;
  statsIntervalMs?: number;
  /** Re-read the inventory this often (ethtool runs per NIC); heartbeats in between reuse it. */
  inventoryIntervalMs?: number;
  logger: Logger;
  reconnect?: Pick<BackoffPolicy, "initialMs" | "maxMs">;
  supervisor?: Omit<SupervisorOptions, "stateDir">;
  readInventory?: () => NodeInventory;
  statsBufferSamples?: number;
  /** Start instances even on cores another process is pinned to (see README, "Bad input"). */
  allowSharedCores?: boolean;
}

/** The control plane refused this node's join token or credential: retrying cannot help. */
export class JoinRefusedError extends Error {
  override readonly name = "JoinRefusedError";
}

export class NotJoinedError extends Error {
  override readonly name = "NotJoinedError";
}

const STATS_BATCH_MAX = 1000; // statsBatch in @sluice/proto
const UUID_ONLY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export class AgentDaemon {
  private readonly log: Logger;
  private credential!: NodeCredential;
  private client!: ControlPlaneClient;
  private supervisor!: Supervisor;
  private artifacts!: ArtifactCache;
  private sampler!: StatsSampler;
  private readonly outbox: StatsOutbox;
  private metrics?: MetricsServer;
  private stopped = false;
  private inventory?: { read: NodeInventory; report: ReportedInventory; at: number };
  private desired?: DesiredState;
  private failures = new Map<string, string>();
  private connected: boolean | undefined;
  private consecutiveFailures = 0;
  private tickTimer?: NodeJS.Timeout;
  private statsTimer?: NodeJS.Timeout;
  private ticking = false;
  private tickAgain = false;
  private sendingStats = false;
  private readonly counts = { heartbeats: 0, heartbeatFailures: 0, samplesSent: 0 };
  private lastDropLog = 0;

  constructor(private readonly options: AgentOptions) {
    this.log = options.logger;
    this.outbox = new StatsOutbox(options.statsBufferSamples ?? 3600);
  }

  get nodeId(): string {
    return this.credential.nodeId;
  }

  /** Joins (or loads the credential), adopts running instances and starts the loops. */
  async start(): Promise<void> {
    mkdirSync(this.options.stateDir, { recursive: true, mode: 0o700 });
    this.credential = await this.joinOnce();
    if (this.stopped) return;
    this.client = createControlPlaneClient({ url: this.options.controlPlane, credential: this.credential.credential });
    this.artifacts = new ArtifactCache(this.options.stateDir, this.options.controlPlane, this.credential.credential);
    const startedAt = new Date();
    this.supervisor = new Supervisor({ stateDir: this.options.stateDir, ...this.options.supervisor });
    for (const result of this.supervisor.adopt()) this.log.info(`instance ${result.action}`, { ...result });
    this.sampler = new StatsSampler(this.options.stateDir, startedAt);
    const states = new Map(this.supervisor.list().map((record) => [record.spec.id, record.state]));
    this.supervisor.on("state", (record: InstanceRecord) => {
      const { id, app } = record.spec;
      const from = states.get(id);
      if (from === record.state) return;
      states.set(id, record.state);
      const level = ["backoff", "crash-loop", "failed"].includes(record.state) ? "warn" : "info";
      this.log.log(level, "instance state", {
        instance: id,
        app,
        from: from ?? null,
        to: record.state,
        reason: record.reason,
        pid: record.pid,
      });
      this.wake();
    });
    this.supervisor.on("exit", (record: InstanceRecord, exit: ExitRecord) =>
      this.log.warn("instance exit", {
        instance: record.spec.id,
        code: exit.code,
        signal: exit.signal,
        uptimeMs: exit.uptimeMs,
        error: exit.error,
      }),
    );
    this.supervisor.on("log-error", (record: InstanceRecord) =>
      this.log.warn("instance log error", { instance: record.spec.id, logError: record.logError }),
    );
    this.supervisor.on("state-error", (record, message: string) =>
      this.log.error("cannot write instance state", { instance: record.spec.id, error: message }),
    );
    if (this.options.metricsListen) {
      const { host, port } = this.options.metricsListen;
      try {
        this.metrics = await startMetricsServer(host, port, () => agentMetrics(this.snapshot()));
      } catch (error) {
        this.supervisor.detach();
        throw new Error(`cannot serve metrics on ${host}:${port} (--metrics-listen): ${errorText(error)}`);
      }
      this.log.info("serving Prometheus metrics", { url: `http://${host}:${this.metrics.address.port}/metrics` });
    }
    this.statsTimer = setInterval(() => this.collectStats(), this.options.statsIntervalMs ?? 1000);
    this.schedule(0);
  }

  /** Stops the loops and leaves every instance running for the next agent (see README, Adoption). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.tickTimer);
    clearInterval(this.statsTimer);
    await this.metrics?.close();
    this.supervisor?.detach();
  }

  snapshot() {
    return {
      node: this.inventory?.report.hostname ?? this.options.name ?? "",
      connected: this.connected === true,
      heartbeats: this.counts.heartbeats,
      heartbeatFailures: this.counts.heartbeatFailures,
      statsSamplesSent: this.counts.samplesSent,
      statsSamplesDropped: this.outbox.dropped,
      statsSamplesQueued: this.outbox.size,
      records: this.supervisor?.list() ?? [],
      counters: this.sampler?.current() ?? [],
    };
  }

  private async joinOnce(): Promise<NodeCredential> {
    const { controlPlane, stateDir, token } = this.options;
    const stored = readCredential(stateDir);
    if (stored) {
      this.log.info(
        token ? "using the stored node credential; --token is ignored" : "using the stored node credential",
        { nodeId: stored.nodeId, credentialFile: `${stateDir}/credential.json` },
      );
      return { ...stored, controlPlane };
    }
    if (!token) {
      throw new NotJoinedError(
        `this node has not joined a control plane yet (no ${stateDir}/credential.json): pass --token with a join token`,
      );
    }
    const anonymous = createControlPlaneClient({ url: controlPlane });
    const hostname = this.currentInventory().report.hostname;
    for (let attempt = 1; !this.stopped; attempt += 1) {
      try {
        const joined = await anonymous.agent.join.mutate({ token, hostname });
        const credential = { nodeId: joined.nodeId, credential: joined.credential, controlPlane };
        writeCredential(stateDir, credential);
        this.log.info("joined the control plane", { nodeId: joined.nodeId, hostname, controlPlane });
        return credential;
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === "refused")
          throw new JoinRefusedError(`the control plane refused to join: ${failure.message}`);
        if (attempt === 1) {
          this.log.warn("control plane unreachable; retrying the join with backoff", {
            controlPlane,
            error: failure.message,
          });
        }
        await this.sleep(this.reconnectDelay(attempt));
      }
    }
    throw new Error("stopped before joining");
  }

  private reconnectDelay(failures: number): number {
    const policy = { initialMs: 500, maxMs: 10_000, ...this.options.reconnect };
    return restartDelay(failures, { ...policy, factor: 2, jitter: 0.5, resetAfterMs: 0, crashLoopAfter: 0 });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  private currentInventory() {
    const now = Date.now();
    if (!this.inventory || now - this.inventory.at > (this.options.inventoryIntervalMs ?? 60_000)) {
      const read = (this.options.readInventory ?? readNodeInventory)();
      this.inventory = { read, report: inventoryReport(read, this.options.name), at: now };
    }
    return this.inventory;
  }

  /** Heartbeat and reconcile soon: an instance changed state. */
  private wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    if (this.connected) this.schedule(200);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.tickTimer);
    this.tickTimer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    this.tickAgain = false;
    let next = this.options.heartbeatIntervalMs;
    try {
      const inventory = this.currentInventory();
      const records = this.supervisor.list();
      const desiredIds = this.desired?.instances.map((i) => i.id) ?? records.map((r) => r.spec.id);
      await this.client.agent.heartbeat.mutate({
        inventory: inventory.report,
        instances: instanceStatuses(desiredIds, records, this.failures, this.sampler.health()),
      });
      this.counts.heartbeats += 1;
      this.desired = await this.client.agent.desiredState.query();
      this.markConnected();
      try {
        await this.reconcile(this.desired, inventory.read);
      } catch (error) {
        // A local fault (state dir, /proc): say so; it is not the control plane's.
        this.log.error("reconcile failed", { error: errorText(error) });
      }
      if (this.tickAgain) next = 200;
    } catch (error) {
      this.counts.heartbeatFailures += 1;
      this.markDisconnected(classifyFailure(error));
      next = this.reconnectDelay(this.consecutiveFailures);
    } finally {
      this.ticking = false;
    }
    this.schedule(next);
  }

  private markConnected(): void {
    if (this.connected !== true) {
      this.log.info(this.connected === false ? "control plane reachable again" : "connected to the control plane", {
        controlPlane: this.options.controlPlane,
        nodeId: this.credential.nodeId,
      });
    }
    this.connected = true;
    this.consecutiveFailures = 0;
  }

  private markDisconnected(failure: CallFailure): void {
    this.consecutiveFailures += 1;
    if (this.connected !== false) {
      const message =
        failure.kind === "refused"
          ? `the control plane refused the agent (${failure.code}); apps keep running, retrying with backoff`
          : "control plane unreachable; apps keep running, reconnecting with backoff";
      this.log.warn(message, { controlPlane: this.options.controlPlane, error: failure.message });
    }
    this.connected = false;
  }

  private async reconcile(desired: DesiredState, inventory: NodeInventory): Promise<void> {
    const translation = await translateDesired(desired.instances, this.options.stateDir, this.artifacts);
    const plan = planReconcile(translation.instances, this.supervisor.list(), nodeResources(inventory), specFactory());
    // An instance whose new version cannot be had (bad bundle, bad config) keeps running what it runs.
    plan.actions = plan.actions.filter((action) => !(action.kind === "stop" && translation.failures.has(action.id)));
    const failures = new Map(translation.failures);
    for (const rejection of plan.rejected) failures.set(rejection.id, rejection.reason);
    if (!this.options.allowSharedCores) this.refuseTakenCores(plan, failures);
    for (const [id, reason] of failures) {
      if (this.failures.get(id) !== reason) this.log.warn("desired instance cannot run", { instance: id, reason });
    }
    this.failures = failures;
    for (const result of await applyPlan(this.supervisor, plan)) {
      if (result.action === "keep") continue;
      this.log.log(result.ok ? "info" : "error", `instance ${result.action}`, {
        instance: result.id,
        ok: result.ok,
        detail: result.detail,
      });
    }
  }

  /** Starts on a core that another process is pinned to would fight it for the CPU: fail them instead. */
  private refuseTakenCores(plan: Plan, failures: Map<string, string>): void {
    if (!plan.actions.some((action) => action.kind === "start" || action.kind === "restart")) return;
    const ours = new Set(
      this.supervisor.list().flatMap((record) => [record.pid, record.shimPid].filter((pid) => pid !== undefined)),
    );
    const pinned = pinnedProcesses(ours);
    plan.actions = plan.actions.filter((action) => {
      if (action.kind !== "start" && action.kind !== "restart") return true;
      const conflict = coreConflict(action.spec.cores, pinned);
      if (conflict) failures.set(action.id, conflict);
      return conflict === undefined;
    });
  }

  private collectStats(): void {
    if (this.stopped) return;
    let samples: StatsSample[];
    try {
      // Before the first desired state (control plane away since the agent started) keep every
      // instance's samples; the control plane refuses those it does not know, and they are dropped then.
      const known = new Set(
        this.desired?.instances.map((i) => i.id) ??
          this.supervisor.list().flatMap((r) => (UUID_ONLY.test(r.spec.id) ? [r.spec.id] : [])),
      );
      samples = this.sampler.sample(this.supervisor.list()).filter((s) => known.has(s.instanceId));
    } catch (error) {
      this.log.error("cannot sample instance stats", { error: errorText(error) });
      return;
    }
    const dropped = this.outbox.push(samples);
    if (dropped > 0 && Date.now() - this.lastDropLog > 60_000) {
      this.lastDropLog = Date.now();
      this.log.warn("stats buffer full: dropping the oldest samples", {
        capacity: this.outbox.capacity,
        droppedTotal: this.outbox.dropped,
      });
    }
    if (this.connected) void this.sendStats();
  }

  private async sendStats(): Promise<void> {
    if (this.sendingStats) return;
    this.sendingStats = true;
    try {
      while (this.outbox.size > 0 && this.connected && !this.stopped) {
        const batch = this.outbox.peek(STATS_BATCH_MAX);
        try {
          await this.client.agent.reportStats.mutate({ samples: batch });
          this.outbox.remove(batch.length);
          this.counts.samplesSent += batch.length;
        } catch (error) {
          const failure = classifyFailure(error);
          if (failure.kind === "unreachable") return; // kept; the heartbeat loop reconnects
          // Refused: samples of instances the control plane no longer has go; others are sent again.
          const foreign = new Set(failure.message.match(UUID) ?? []);
          const gone = foreign.size > 0 ? this.outbox.discardInstances(foreign) : 0;
          if (gone === 0) {
            this.outbox.remove(batch.length);
            this.outbox.dropped += batch.length;
          }
          this.log.warn("the control plane refused stats samples; dropped them", {
            error: failure.message,
            dropped: gone || batch.length,
          });
        }
      }
    } finally {
      this.sendingStats = false;
    }
  }
}
