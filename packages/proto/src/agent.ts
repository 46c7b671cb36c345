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

export const desiredInstance = z.object({
  id: instanceId,
  app: z.string(),
  version: z.string(),
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

export const statsSample = z.object({
  instanceId,
  at: z.coerce.date(),
  rxPackets: z.number().int().nonnegative(),
  txPackets: z.number().int().nonnegative(),
  rxBytes: z.number().int().nonnegative(),
  txBytes: z.number().int().nonnegative(),
  drops: z.number().int().nonnegative(),
});

export const statsBatch = z.object({ samples: z.array(statsSample).min(1).max(1000) });

export type InstanceStatus = z.infer<typeof instanceStatus>;
export type Heartbeat = z.infer<typeof heartbeat>;
export type DesiredInstance = z.infer<typeof desiredInstance>;
export type DesiredState = z.infer<typeof desiredState>;
export type StatsSample = z.infer<typeof statsSample>;
