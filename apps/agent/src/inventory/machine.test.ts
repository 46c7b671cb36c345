// The inventory against the real machine: a recorded copy of it must read the same, and the facts
// must agree with independent sources (Node's os module, iproute2). Inside a network namespace, a
// veth NIC gets its driver from `ethtool -i` because veth has no device/driver link.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withNetwork } from "@sluice/netns";
import { afterAll, describe, expect, it } from "vitest";
import { systemEthtool } from "./ethtool.js";
import { readNodeInventory } from "./node.js";
import { recordSystemTree } from "./record.js";

const bin = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));

describe("inventory of this machine", () => {
  const live = readNodeInventory();
  const recorded = mkdtempSync(join(tmpdir(), "sluice-record-"));
  afterAll(() => rmSync(recorded, { recursive: true, force: true }));

  it("agrees with Node's os module and with iproute2", () => {
    expect(live.cpus.online).toHaveLength(cpus().length);
    const links = JSON.parse(spawnSync("ip", ["-j", "link", "show"], { encoding: "utf8" }).stdout) as {
      ifname: string;
      address: string;
      mtu: number;
    }[];
    const netdevs = live.nics.filter((n) => n.netdev);
    expect(netdevs.map((n) => n.name).sort()).toEqual(links.map((l) => l.ifname).sort());
    for (const link of links) {
      expect(netdevs.find((n) => n.name === link.ifname)).toMatchObject({ mac: link.address, mtu: link.mtu });
    }
    expect(live.backends.map((b) => b.backend)).toEqual(["xdp", "dpdk", "tap", "kernel"]);
  });

  it("reads the same from a recording of itself", () => {
    recordSystemTree("/", recorded, systemEthtool);
    const probe = () =>
      live.backends.flatMap(({ backend, usable, reason }) => (backend === "dpdk" ? [] : [{ backend, usable, reason }]));
    const replay = readNodeInventory({ root: recorded, probe, packetSockets: true });
    const withoutFreeMemory = (node: typeof live) => ({
      ...node,
      memory: { ...node.memory, availableBytes: 0, nodes: node.memory.nodes.map((n) => ({ ...n, freeBytes: 0 })) },
    });
    expect(withoutFreeMemory(replay)).toEqual(withoutFreeMemory(live));
  });

  it("names veth as the driver of a namespace's NIC, with native XDP and no PCI address", async () => {
    await withNetwork({ hosts: ["node", "peer"] }, async (net) => {
      const result = await net.exec("node", [process.execPath, bin, "nics", "--json"]);
      const { nics } = JSON.parse(result.stdout) as { nics: Record<string, unknown>[] };
      expect(nics.map((n) => n.name)).toEqual(["eth0", "lo"]);
      expect(nics[0]).toMatchObject({
        driver: "veth",
        pciAddress: null,
        virtual: true,
        operstate: "up",
        xdp: { mode: "native" },
        dpdk: { usable: true, via: "vdev" },
      });
    });
  });
});
