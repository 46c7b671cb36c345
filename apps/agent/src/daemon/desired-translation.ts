// The control plane's desired instances (@sluice/proto) as the reconcile planner's DesiredInstance:
// built-ins become `sluice run APP` with their config mapped to flags, programs
// `sluice accelerate ... -- COMMAND`, bundles are fetched and
// verified, and whatever cannot run here becomes a failure with its reason instead of an instance.
import { networkInterfaces } from "node:os";
import type { DesiredInstance as WantedInstance } from "@sluice/proto";
import type { DesiredInstance } from "../reconcile/desired.js";
import { statsFilePath } from "../stats/instance-counters.js";
import { SLUICE_BIN } from "../supervisor/spec.js";
import type { ArtifactCache } from "./artifacts.js";
import { accelerateArguments, runArguments } from "./instance-config.js";

export interface Translation {
  instances: DesiredInstance[];
  /** Desired instances that cannot run, by id, with the reason reported to the control plane. */
  failures: Map<string, string>;
}

export async function translateDesired(
  wanted: readonly WantedInstance[],
  stateDir: string,
  artifacts: ArtifactCache,
): Promise<Translation> {
  const instances: DesiredInstance[] = [];
  const failures = new Map<string, string>();
  for (const instance of wanted) {
    const base = {
      id: instance.id,
      app: instance.app,
      version: instance.version,
      cores: instance.cores,
      queues: instance.queues,
      ...(instance.nic === null ? {} : { nic: instance.nic }),
    };
    const statsFile = statsFilePath(stateDir, instance.id);
    try {
      switch (instance.artifact.kind) {
        case "builtin":
          instances.push({
            ...base,
            runtime: "sluice",
            argv: runArguments(instance.artifact.name, instance.config, {
              nic: instance.nic,
              queues: instance.queues,
              cores: instance.cores,
              nicAddress: instance.nic === null ? null : nicAddress(instance.nic),
              statsFile,
            }),
          });
          break;
        case "bundle":
          instances.push({
            ...base,
            runtime: "program",
            argv: await artifacts.programFor(instance.artifact),
            env: {
              SLUICE_INSTANCE_ID: instance.id,
              SLUICE_APP: instance.app,
              SLUICE_VERSION: instance.version,
              SLUICE_CORES: instance.cores.join(","),
              SLUICE_NIC: instance.nic ?? "",
              SLUICE_QUEUES: instance.queues.join(","),
              SLUICE_STATS_FILE: statsFile,
              SLUICE_CONFIG: JSON.stringify(instance.config),
            },
          });
          break;
        case "program":
          // The program runs unmodified under `sluice accelerate` on the instance's queue, pinned to
          // its cores with taskset (the program's threads too), ready once started (it prints no
          // ready line of ours); the preload library publishes its counters like a built-in's.
          instances.push({
            ...base,
            runtime: "program",
            argv: [
              process.execPath,
              SLUICE_BIN,
              ...accelerateArguments(instance.artifact.command, instance.config, {
                nic: instance.nic,
                queues: instance.queues,
                statsFile,
              }),
            ],
          });
          break;
      }
    } catch (error) {
      // One instance's bad config or bad bundle never keeps the others from being reconciled.
      failures.set(instance.id, error instanceof Error ? error.message : String(error));
    }
  }
  return { instances, failures };
}

/** The first IPv4 address of a NIC in this agent's network namespace, as A.B.C.D/LEN. */
function nicAddress(nic: string): string | null {
  return networkInterfaces()[nic]?.find((address) => address.family === "IPv4")?.cidr ?? null;
}
