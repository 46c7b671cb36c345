// The capabilities infra/systemd/sluice-agent.service (and the Kubernetes DaemonSet) grant are enough
// for a real AF_XDP instance run by an unprivileged user, and the ones that look removable are not:
// the instance runs as uid 65534 with exactly that set as ambient capabilities, as systemd would run it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ping } from "./support/peer.js";
import { startSluice } from "./support/sluice-process.js";

const unit = readFileSync(fileURLToPath(new URL("../../infra/systemd/sluice-agent.service", import.meta.url)), "utf8");
const unitCapabilities = /^AmbientCapabilities=(.*)$/m.exec(unit)![1]!.split(" ");

/** setpriv as an unprivileged uid holding exactly `capabilities` (inheritable, ambient and bounding). */
function asUnprivileged(capabilities: string[]): string[] {
  const set = ["-all", ...capabilities.map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`)].join(",");
  return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"].concat(
    `--inh-caps=${set}`,
    `--ambient-caps=${set}`,
    `--bounding-set=${set}`,
  );
}

const echo = (extra: string[] = []) => [
  "run",
  "echo",
  "--backend",
  "xdp",
  "--iface",
  "eth0",
  "--ip",
  "198.18.0.1/24",
  "--port",
  "7",
  "--core",
  "0",
  ...extra,
];

describe("the agent unit's capabilities", () => {
  let net: Network;
  beforeAll(async () => {
    net = await createNetwork({ hosts: ["sluice", "peer"] });
    await net.setOffloads("peer", { tx: false, tso: false, gso: false });
    await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
  });
  afterAll(() => net?.destroy());

  it("are CAP_NET_RAW, CAP_NET_ADMIN, CAP_SYS_ADMIN and CAP_IPC_LOCK", () => {
    expect([...unitCapabilities].sort()).toEqual(["CAP_IPC_LOCK", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SYS_ADMIN"]);
  });

  it("let a non-root AF_XDP echo instance serve a Linux peer", async () => {
    const sluice = await startSluice(net, "sluice", echo(), 30_000, asUnprivileged(unitCapabilities));
    expect(sluice.readyLine).toMatch(/backend=xdp/);
    const result = await ping(net, "peer", "198.18.0.1", 5);
    const stopped = await sluice.stop();
    expect(result.received).toBe(5);
    expect(stopped.code).toBe(0);
  });

  it.each([
    ["CAP_SYS_ADMIN", /binding in xdp-drv mode: (Operation not permitted|.*No XDP dispatcher found)/],
    ["CAP_NET_RAW", /xdp eth0 queue 0: .*(not permitted|refused)/],
  ])("are not enough without %s", async (dropped, message) => {
    const fewer = unitCapabilities.filter((c) => c !== dropped);
    // Native mode only, so a failed attempt is reported as itself rather than as the skb retry's.
    await expect(
      startSluice(net, "sluice", echo(["--xdp-mode", "drv"]), 30_000, asUnprivileged(fewer)),
    ).rejects.toThrow(message);
    await net.exec("sluice", ["ip", "link", "set", "dev", "eth0", "xdp", "off"], { check: false });
  });
});
