// Hosts as network namespaces, joined point-to-point (two hosts, one veth pair) or through a bridge
// that lives in a namespace of its own, so nothing is ever created in the caller's namespace.
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { trackNetwork, untrackNetwork } from "./cleanup.js";
import { type CommandResult, deleteNamespaceSync, type RunOptions, run } from "./ip.js";
import { assertHostName, namespaceName, newRunId } from "./names.js";
import { hostAddress, parseTestSubnet } from "./subnet.js";
import { sweepStaleNamespaces } from "./sweep.js";

export interface NetworkOptions {
  /** Host names, in address order: the first gets .1, the second .2, ... */
  hosts: string[];
  /** `veth` joins exactly two hosts directly; `bridge` joins any number through a bridge. */
  topology?: "veth" | "bridge";
  /** A subnet inside 198.18.0.0/15; each network is in its own namespaces, so subnets may repeat. */
  subnet?: string;
  mtu?: number;
  /**
   * veth only: transmit and receive queues on both ends (default 1). A Linux host then spreads its
   * flows over its transmit queues by flow hash, and each lands on the same-numbered receive queue
   * of the other end, where a multi-queue Sluice app has one instance per queue.
   */
  queues?: number;
}

export interface Host {
  name: string;
  namespace: string;
  /** The host's interface towards the network (same name in every host). */
  iface: string;
  ip: string;
  prefixLength: number;
  mac: string;
}

export interface Offloads {
  tx?: boolean;
  rx?: boolean;
  tso?: boolean;
  gso?: boolean;
  gro?: boolean;
}

export const HOST_IFACE = "eth0";

export class Network {
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;

  constructor(
    readonly id: string,
    readonly hosts: ReadonlyMap<string, Host>,
    private readonly namespaces: string[],
  ) {}

  host(name: string): Host {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no host "${name}" in network ${this.id} (hosts: ${[...this.hosts.keys()].join(", ")})`);
    return host;
  }

  /** Runs a command inside a host and collects its output. */
  exec(hostName: string, argv: string[], options?: RunOptions): Promise<CommandResult> {
    return run(["ip", "netns", "exec", this.host(hostName).namespace, ...argv], options);
  }

  /** Starts a long-running command inside a host; it is killed when the network is destroyed. */
  spawn(hostName: string, argv: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn("ip", ["netns", "exec", this.host(hostName).namespace, ...argv], {
      stdio: ["ignore", "pipe", "pipe"],
      ...options,
    });
    this.children.add(child);
    child.on("exit", () => this.children.delete(child));
    return child;
  }

  /** Sets offloads on a host's interface, e.g. turning checksum offload off on a Linux peer. */
  async setOffloads(hostName: string, offloads: Offloads): Promise<void> {
    const settings = Object.entries(offloads).flatMap(([key, on]) => [key, on ? "on" : "off"]);
    if (settings.length === 0) return;
    await this.exec(hostName, ["ethtool", "-K", HOST_IFACE, ...settings]);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const child of this.children) child.kill("SIGKILL");
    for (const name of this.namespaces) deleteNamespaceSync(name);
    untrackNetwork(this.id);
  }
}

async function ip(args: string[]): Promise<void> {
  await run(["ip", ...args]);
}

async function readMac(namespace: string): Promise<string> {
  const out = await run(["ip", "-n", namespace, "-j", "link", "show", HOST_IFACE]);
  const [link] = JSON.parse(out.stdout) as Array<{ address: string }>;
  return link!.address;
}

export async function createNetwork(options: NetworkOptions): Promise<Network> {
  const topology = options.topology ?? (options.hosts.length === 2 ? "veth" : "bridge");
  if (topology === "veth" && options.hosts.length !== 2) throw new Error("a veth network joins exactly two hosts");
  const queues = options.queues ?? 1;
  if (!Number.isInteger(queues) || queues < 1 || queues > 64) throw new Error(`queues must be 1 to 64, got ${queues}`);
  if (queues !== 1 && topology !== "veth") throw new Error("queues applies to the veth topology only");
  if (new Set(options.hosts).size !== options.hosts.length) throw new Error("host names must be unique");
  for (const host of options.hosts) assertHostName(host);
  const subnet = parseTestSubnet(options.subnet ?? "198.18.0.0/24");
  if (options.hosts.length > subnet.capacity) throw new Error(`subnet ${options.subnet} is too small`);

  sweepStaleNamespaces();
  const runId = newRunId();
  const hub = topology === "bridge" ? namespaceName(runId, "hub") : undefined;
  const hostNamespaces = options.hosts.map((host) => namespaceName(runId, host));
  const namespaces = hub ? [...hostNamespaces, hub] : hostNamespaces;
  trackNetwork(runId, namespaces);
  const hosts = new Map<string, Host>();
  const network = () => new Network(runId, hosts, namespaces);
  try {
    for (const name of namespaces) {
      await ip(["netns", "add", name]);
      await ip(["-n", name, "link", "set", "lo", "up"]);
    }
    if (hub) {
      await ip(["-n", hub, "link", "add", "br0", "type", "bridge"]);
      await ip(["-n", hub, "link", "set", "br0", "up"]);
      for (const [index, namespace] of hostNamespaces.entries()) {
        const port = `p${index}`;
        await ip(["link", "add", HOST_IFACE, "netns", namespace, "type", "veth", "peer", "name", port, "netns", hub]);
        await ip(["-n", hub, "link", "set", port, "master", "br0", "up"]);
      }
    } else {
      const [a, b] = hostNamespaces as [string, string];
      const counts = queues === 1 ? [] : ["numtxqueues", String(queues), "numrxqueues", String(queues)];
      await ip([
        "link",
        "add",
        HOST_IFACE,
        "netns",
        a,
        ...counts,
        "type",
        "veth",
        "peer",
        "name",
        HOST_IFACE,
        "netns",
        b,
        ...counts,
      ]);
    }
    for (const [index, name] of options.hosts.entries()) {
      const namespace = hostNamespaces[index]!;
      const address = hostAddress(subnet, index);
      if (options.mtu) await ip(["-n", namespace, "link", "set", HOST_IFACE, "mtu", String(options.mtu)]);
      await ip(["-n", namespace, "addr", "add", `${address}/${subnet.prefixLength}`, "dev", HOST_IFACE]);
      await ip(["-n", namespace, "link", "set", HOST_IFACE, "up"]);
      hosts.set(name, {
        name,
        namespace,
        iface: HOST_IFACE,
        ip: address,
        prefixLength: subnet.prefixLength,
        mac: await readMac(namespace),
      });
    }
    return network();
  } catch (error) {
    await network().destroy();
    throw error;
  }
}

/** Creates a network, runs `body` with it, and always destroys it. */
export async function withNetwork<T>(options: NetworkOptions, body: (network: Network) => Promise<T>): Promise<T> {
  const network = await createNetwork(options);
  try {
    return await body(network);
  } finally {
    await network.destroy();
  }
}
