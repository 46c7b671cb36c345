// Reconciliation as a pure function: from the desired instances, the instances the supervisor has,
// and the node's resources, decide what to start, stop, restart (its spec changed) or keep, and
// which desired instances to reject and why. Rejected instances are left as they are running.

import type { InstanceSpec } from "../supervisor/spec.js";
import type { InstanceRecord } from "../supervisor/state-store.js";
import { checkAgainstNode, type DesiredInstance, type NodeResources, type Rejection } from "./desired.js";

export type Action =
  | { kind: "start"; id: string; spec: InstanceSpec; reason: string }
  | { kind: "restart"; id: string; spec: InstanceSpec; reason: string }
  | { kind: "stop"; id: string; reason: string }
  | { kind: "keep"; id: string; reason: string };

export interface Plan {
  /** Stops first (they free cores and queues), then restarts, then starts; keeps last. */
  actions: Action[];
  rejected: Rejection[];
}

/** The parts of a spec whose change means a restart. */
function differences(running: InstanceSpec, wanted: InstanceSpec): string[] {
  const changes: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (running.app !== wanted.app) changes.push(`app ${running.app} → ${wanted.app}`);
  if (running.version !== wanted.version) changes.push(`version ${running.version ?? "-"} → ${wanted.version ?? "-"}`);
  if (!same(running.cores, wanted.cores)) changes.push(`cores ${running.cores.join(",")} → ${wanted.cores.join(",")}`);
  if (running.nic !== wanted.nic) changes.push(`nic ${running.nic ?? "-"} → ${wanted.nic ?? "-"}`);
  if (!same(running.queues, wanted.queues))
    changes.push(`queues ${running.queues.join(",")} → ${wanted.queues.join(",")}`);
  if (changes.length === 0 && (!same(running.program, wanted.program) || !same(running.launcher, wanted.launcher))) {
    changes.push("command line changed");
  }
  return changes;
}

const ACTIVE: readonly InstanceRecord["state"][] = ["starting", "ready", "backoff", "stopping"];

export function planReconcile(
  desired: readonly DesiredInstance[],
  running: readonly InstanceRecord[],
  node: NodeResources,
  toSpec: (instance: DesiredInstance) => InstanceSpec,
): Plan {
  const rejected: Rejection[] = [];
  const byId = new Map(running.map((record) => [record.spec.id, record]));
  const seen = new Set<string>();
  const valid: { instance: DesiredInstance; spec: InstanceSpec }[] = [];
  for (const instance of desired) {
    if (seen.has(instance.id)) {
      rejected.push({ id: instance.id, reason: `instance id "${instance.id}" appears more than once` });
      continue;
    }
    seen.add(instance.id);
    const problem = checkAgainstNode(instance, node);
    if (problem) rejected.push({ id: instance.id, reason: problem });
    else valid.push({ instance, spec: toSpec(instance) });
  }

  // Cores and queues go first to instances that already hold them unchanged, then in list order,
  // so a new instance can never push out one that runs.
  const unchanged = (spec: InstanceSpec) => {
    const record = byId.get(spec.id);
    return record !== undefined && ACTIVE.includes(record.state) && differences(record.spec, spec).length === 0;
  };
  const ordered = [...valid.filter((v) => unchanged(v.spec)), ...valid.filter((v) => !unchanged(v.spec))];
  const coreOwner = new Map<number, string>();
  const queueOwner = new Map<string, string>();
  const accepted: typeof valid = [];
  for (const entry of ordered) {
    const { instance } = entry;
    const core = instance.cores.find((c) => coreOwner.has(c));
    const queue = instance.queues.find((q) => queueOwner.has(`${instance.nic}:${q}`));
    if (core !== undefined) {
      rejected.push({ id: instance.id, reason: `core ${core} is taken by instance "${coreOwner.get(core)}"` });
      continue;
    }
    if (queue !== undefined) {
      const key = `${instance.nic}:${queue}`;
      rejected.push({ id: instance.id, reason: `queue ${key} is taken by instance "${queueOwner.get(key)}"` });
      continue;
    }
    for (const c of instance.cores) coreOwner.set(c, instance.id);
    for (const q of instance.queues) queueOwner.set(`${instance.nic}:${q}`, instance.id);
    accepted.push(entry);
  }

  const stops: Action[] = [];
  const restarts: Action[] = [];
  const starts: Action[] = [];
  const keeps: Action[] = [];
  const rejectedIds = new Set(rejected.map((r) => r.id));
  for (const record of running) {
    const id = record.spec.id;
    if (seen.has(id)) continue;
    stops.push({
      kind: "stop",
      id,
      reason: ACTIVE.includes(record.state) ? "not desired" : `not desired (${record.state})`,
    });
  }
  for (const { instance, spec } of accepted) {
    const record = byId.get(instance.id);
    if (!record) {
      starts.push({ kind: "start", id: instance.id, spec, reason: "new" });
      continue;
    }
    const changes = differences(record.spec, spec);
    if (changes.length > 0) {
      restarts.push({ kind: "restart", id: instance.id, spec, reason: changes.join(", ") });
    } else if (record.state === "stopped" || record.state === "failed") {
      starts.push({ kind: "start", id: instance.id, spec, reason: `was ${record.state}` });
    } else if (record.state === "crash-loop") {
      keeps.push({ kind: "keep", id: instance.id, reason: "crash loop: change its version or config to try again" });
    } else {
      keeps.push({ kind: "keep", id: instance.id, reason: "unchanged" });
    }
  }
  for (const id of rejectedIds) {
    const record = byId.get(id);
    if (record && ACTIVE.includes(record.state))
      keeps.push({ kind: "keep", id, reason: "desired spec rejected; left as it runs" });
  }
  return { actions: [...stops, ...restarts, ...starts, ...keeps], rejected };
}
