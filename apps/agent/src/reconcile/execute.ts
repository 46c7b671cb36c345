// Applies a plan through the supervisor. Each action's failure is recorded on its own result;
// the other actions still run.

import type { InstanceSpec } from "../supervisor/spec.js";
import { programSpec, type SpecOptions, sluiceAppSpec } from "../supervisor/spec.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import type { DesiredInstance } from "./desired.js";
import type { Action, Plan } from "./plan.js";

export interface ActionResult {
  action: Action["kind"];
  id: string;
  ok: boolean;
  detail: string;
}

/** How desired instances become specs on this node (e.g. the namespace they run in). */
export function specFactory(extra: Omit<SpecOptions, "id" | "cores" | "nic" | "queues" | "version"> = {}) {
  return (instance: DesiredInstance): InstanceSpec => {
    const options: SpecOptions = {
      ...extra,
      id: instance.id,
      cores: instance.cores,
      nic: instance.nic,
      queues: instance.queues,
      version: instance.version,
    };
    const spec =
      (instance.runtime ?? "sluice") === "sluice"
        ? sluiceAppSpec(instance.argv, options)
        : programSpec(instance.app, instance.argv, { ...options, readyPrefix: instance.readyPrefix });
    const env = Object.entries(instance.env ?? {}).map(([key, value]) => `${key}=${value}`);
    return env.length === 0 ? spec : { ...spec, launcher: [...spec.launcher, "env", ...env] };
  };
}

export async function applyPlan(supervisor: Supervisor, plan: Plan): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  for (const action of plan.actions) {
    try {
      switch (action.kind) {
        case "keep":
          results.push({ action: "keep", id: action.id, ok: true, detail: action.reason });
          break;
        case "stop":
          await supervisor.stop(action.id, { forget: true });
          results.push({ action: "stop", id: action.id, ok: true, detail: action.reason });
          break;
        case "restart":
        case "start": {
          if (action.kind === "restart") await supervisor.stop(action.id, { forget: true });
          const record = supervisor.start(action.spec);
          const ok = record.state !== "failed";
          results.push({
            action: action.kind,
            id: action.id,
            ok,
            detail: ok ? action.reason : (record.reason ?? "failed"),
          });
          break;
        }
      }
    } catch (error) {
      results.push({
        action: action.kind,
        id: action.id,
        ok: false,
        detail: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return results;
}
