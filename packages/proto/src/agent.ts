// Messages between an agent and the control plane: heartbeat, desired state, stats.
import { z } from "zod";
import { interfaceName, nodeInventory } from "./inventory.js";

export const instanceId = z.uuid();

export const instanceStatus = z.object({
  instanceId,
  state: z.enum(["starting", "running", "stopped", "failed"]),
  /** The last error for a failed instance. */
  message: z.string().max(2000).optional(),
});

export const heartbeat = z.object({
  inventory: nodeInventory,
  instances: z.array(instanceStatus).max(1024).default([]),
});

/** App configuration is app-specific; the control plane stores it as given, bounded in size by the API. */
export const instanceConfig = z.record(z.string(), z.unknown());

/** Apps compiled into every agent; they need no download. */
export const builtinAppName = z.enum(["echo", "sockperf", "sink", "kv", "http"]);

/**
 * What an instance runs. A bundle is fetched by the agent from `GET /api/agent/artifacts/<sha256>` with its node
 * credential (`Authorization: Bearer snc_...`), checked against `sha256` and `size` before use, and cached by digest.
 */
export const artifactRef = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("builtin"), name: builtinAppName }),
  z.object({
    kind: z.literal("bundle"),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "lowercase hex sha256"),
    size: z.number().int().positive(),
    /** `node`: a tarball with package.json whose `main` runs on @sluice/libos; `native`: one executable on the C API. */
    format: z.enum(["node", "native"]),
  }),
  /** An unmodified program run under `sluice accelerate`. */
  z.object({ kind: z.literal("program"), command: z.array(z.string().min(1)).min(1) }),
]);

export const desiredInstance = z.object({
  id: instanceId,
  app: z.string(),
  version: z.string(),
  artifact: artifactRef,
  config: instanceConfig,
  cores: z.array(z.number().int().nonnegative()),
  /** Null when the instance owns no NIC queues. */
  nic: interfaceName.nullable(),
  queues: z.array(z.number().int().nonnegative()),
});

export const desiredState = z.object({
  nodeId: z.uuid(),
  instances: z.array(desiredInstance),
});

/**
 * One instance's counters over the interval ending at `at` (the agent sends one a second): each count is the increase
 * since the instance's previous sample, so an instance's samples add up to its counters; `connections` is the number
 * open at `at`. See apps/agent/README.md, "Live stats".
 */
export const statsSample = z.object({
  instanceId,
  at: z.coerce.date(),
  rxPackets: z.number().int().nonnegative(),
  txPackets: z.number().int().nonnegative(),
  rxBytes: z.number().int().nonnegative(),
  txBytes: z.number().int().nonnegative(),
  drops: z.number().int().nonnegative(),
  /** TCP apps only; absent for UDP apps. */
  retransmits: z.number().int().nonnegative().optional(),
  connections: z.number().int().nonnegative().optional(),
  /** NIC queue the sample belongs to; absent means the instance total. */
  queue: z.number().int().nonnegative().optional(),
});

export const statsBatch = z.object({ samples: z.array(statsSample).min(1).max(1000) });

export type InstanceStatus = z.infer<typeof instanceStatus>;
export type Heartbeat = z.infer<typeof heartbeat>;
export type ArtifactRef = z.infer<typeof artifactRef>;
export type DesiredInstance = z.infer<typeof desiredInstance>;
export type DesiredState = z.infer<typeof desiredState>;
export type StatsSample = z.infer<typeof statsSample>;
