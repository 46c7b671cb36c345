// How a built-in app's instance config (the JSON the control plane stores with the instance) maps to
// `sluice run APP` flags. The keys are documented in apps/agent/README.md ("Instance config"). The
// instance's NIC, first queue and first core come from the allocation, never from the config.
export const RUN_APPS = ["echo", "sockperf", "sink", "kv", "http"] as const;

interface Flag {
  flag: string;
  type: "string" | "integer" | "boolean";
  /** For booleans: the flag for false. */
  negated?: string;
}

const FLAGS: Record<string, Flag> = {
  backend: { flag: "--backend", type: "string" },
  iface: { flag: "--iface", type: "string" },
  ip: { flag: "--ip", type: "string" },
  gateway: { flag: "--gateway", type: "string" },
  mac: { flag: "--mac", type: "string" },
  port: { flag: "--port", type: "integer" },
  proto: { flag: "--proto", type: "string" },
  busyPoll: { flag: "--busy-poll", type: "boolean", negated: "--no-busy-poll" },
  xdpMode: { flag: "--xdp-mode", type: "string" },
  rxChecksum: { flag: "--rx-checksum", type: "string" },
  fault: { flag: "--fault", type: "string" },
  dpdkVdev: { flag: "--dpdk-vdev", type: "string" },
  tcpConnections: { flag: "--tcp-connections", type: "integer" },
  tcpBuffer: { flag: "--tcp-buffer", type: "integer" },
};

export const CONFIG_KEYS = Object.keys(FLAGS);

export class InstanceConfigError extends Error {
  override readonly name = "InstanceConfigError";
}

export interface RunPlacement {
  nic: string | null;
  queues: number[];
  /** The instance's cores, in the order of its queues (one pinned stack instance per queue). */
  cores?: number[];
  /**
   * The NIC's own IPv4 address (A.B.C.D/LEN), if it has one: the instance's address when the config names none,
   * so one version's config serves every node (each node's NIC has its own address).
   */
  nicAddress?: string | null;
  /** Where the instance publishes its counters (not for backend kernel, which has none). */
  statsFile: string;
}

/**
 * `run APP ...flags` for a built-in app. Values are checked for type here; their meaning is checked by
 * `sluice run` itself, whose one-line usage error then becomes the instance's failure message.
 */
export function runArguments(app: string, config: Record<string, unknown>, placement: RunPlacement): string[] {
  if (!(RUN_APPS as readonly string[]).includes(app)) {
    throw new InstanceConfigError(
      `built-in app "${app}" cannot run on this agent yet (\`sluice run\` has ${RUN_APPS.join(", ")})`,
    );
  }
  const given = { backend: "xdp", ...config } as Record<string, unknown>;
  if (given.port === undefined || given.port === null)
    throw new InstanceConfigError("config port is required (the port the app serves)");
  return ["run", app, ...instanceFlags(given, placement, "a built-in app", true)];
}

/**
 * `accelerate ...flags -- COMMAND...` for a program app (an unmodified program run with its sockets
 * on the instance, docs/accelerate.md). The config keys are those of built-ins; port and proto do
 * not apply (the program's own arguments say where it listens), nor does backend kernel.
 */
export function accelerateArguments(
  command: readonly string[],
  config: Record<string, unknown>,
  placement: RunPlacement,
): string[] {
  const given = { backend: "xdp", ...config } as Record<string, unknown>;
  for (const key of ["port", "proto"]) {
    if (given[key] !== undefined) throw new InstanceConfigError(`config ${key} does not apply to a program app`);
  }
  if (given.backend === "kernel") throw new InstanceConfigError("a program app needs a Sluice backend, not kernel");
  if (!command[0]?.startsWith("/")) {
    throw new InstanceConfigError(`a program app's command must start with an absolute path, got "${command[0]}"`);
  }
  return ["accelerate", ...instanceFlags(given, placement, "a program app", false), "--", ...command];
}

function instanceFlags(
  given: Record<string, unknown>,
  placement: RunPlacement,
  what: string,
  multiQueue: boolean,
): string[] {
  const args: string[] = [];
  if (given.backend !== "kernel" && (given.ip === undefined || given.ip === null) && placement.nicAddress) {
    given.ip = placement.nicAddress;
  }
  if (given.backend !== "kernel" && (given.ip === undefined || given.ip === null)) {
    throw new InstanceConfigError("config ip is required (this instance's address, A.B.C.D/LEN)");
  }
  if (given.iface === undefined && placement.nic !== null && given.backend !== "kernel") given.iface = placement.nic;
  for (const [key, value] of Object.entries(given)) {
    const flag = FLAGS[key];
    if (!flag) {
      throw new InstanceConfigError(`unknown config key "${key}" (known: ${CONFIG_KEYS.join(", ")})`);
    }
    if (value === null || value === undefined) continue;
    if (flag.type === "boolean") {
      if (typeof value !== "boolean") throw new InstanceConfigError(`config ${key} must be true or false`);
      args.push(value ? flag.flag : flag.negated!);
    } else if (flag.type === "integer") {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw new InstanceConfigError(`config ${key} must be an integer, got ${JSON.stringify(value)}`);
      }
      args.push(flag.flag, String(value));
    } else {
      if (typeof value !== "string") {
        throw new InstanceConfigError(`config ${key} must be a string, got ${JSON.stringify(value)}`);
      }
      args.push(flag.flag, value);
    }
  }
  const { queues, cores = [] } = placement;
  if (queues.length > 1) {
    // `sluice run --queues`: one shared-nothing stack instance per queue, each pinned to its core.
    if (!multiQueue) {
      throw new InstanceConfigError(
        `${what} binds one queue; this instance owns ${queues.length} (${queues.join(",")})`,
      );
    }
    if (cores.length !== queues.length) {
      throw new InstanceConfigError(
        `an instance on ${queues.length} queues runs one pinned stack per queue and needs as many cores; it has ${cores.length}`,
      );
    }
    args.push("--queues", queues.join(","), "--cores", cores.join(","));
  }
  if (queues.length === 1) args.push("--queue", String(queues[0]));
  if (given.backend !== "kernel") args.push("--stats-file", placement.statsFile);
  return args;
}
