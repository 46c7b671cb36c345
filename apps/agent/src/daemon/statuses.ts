// Instance statuses for the heartbeat, in the control plane's four states, each failure with a
// precise message: the planner's rejection, a config or artifact problem, the exit that is being
// retried or the crash loop with the app's own last line, or a log that can no longer be written.
import type { InstanceStatus } from "@sluice/proto";
import { lastLogLines } from "../supervisor/log-tail.js";
import type { InstanceRecord } from "../supervisor/state-store.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function lastLine(record: InstanceRecord): string | undefined {
  try {
    return lastLogLines(record.logFile, record.logPolicy.keepFiles, 1)[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

function withLastLine(reason: string, record: InstanceRecord): string {
  const line = lastLine(record);
  return line ? `${reason}; last output: ${line}` : reason;
}

export function statusOf(record: InstanceRecord, health?: string): InstanceStatus {
  const instanceId = record.spec.id;
  const notes = [health, record.logError ? `log: ${record.logError}` : undefined].filter(Boolean);
  const logNote = notes.length > 0 ? notes.join("; ") : undefined;
  const message = (text: string | undefined) => (text === undefined ? {} : { message: text.slice(0, 2000) });
  switch (record.state) {
    case "ready":
      return { instanceId, state: "running", ...message(logNote) };
    case "starting":
      return { instanceId, state: "starting", ...message(logNote ?? record.reason) };
    case "backoff":
      return { instanceId, state: "starting", ...message(withLastLine(record.reason ?? "restarting", record)) };
    case "stopping":
    case "stopped":
      return { instanceId, state: "stopped", ...message(record.reason) };
    case "crash-loop":
      return {
        instanceId,
        state: "failed",
        ...message(
          `${record.crashLoop?.summary ?? record.reason ?? "crash loop"}${
            record.crashLoop?.lastLogLines.length ? `; last output: ${record.crashLoop.lastLogLines.at(-1)}` : ""
          }`,
        ),
      };
    case "failed":
      return { instanceId, state: "failed", ...message(record.reason ?? "failed") };
  }
}

/**
 * One status per desired instance: failures found before starting (rejections, config, artifacts)
 * win over a stale supervisor record; instances the control plane does not know are not reported.
 */
export function instanceStatuses(
  desiredIds: readonly string[],
  records: readonly InstanceRecord[],
  failures: ReadonlyMap<string, string>,
  /** Problems seen in running instances' stats (a data path that stopped publishing). */
  health: ReadonlyMap<string, string> = new Map(),
): InstanceStatus[] {
  const byId = new Map(records.map((record) => [record.spec.id, record]));
  return desiredIds
    .filter((id) => UUID.test(id))
    .flatMap((id): InstanceStatus[] => {
      const failure = failures.get(id);
      if (failure !== undefined) return [{ instanceId: id, state: "failed", message: failure.slice(0, 2000) }];
      const record = byId.get(id);
      return record ? [statusOf(record, health.get(id))] : [{ instanceId: id, state: "starting" }];
    });
}
