import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { listNamespaces } from "./ip.js";
import { createNetwork, withNetwork } from "./network.js";
import { sweepStaleNamespaces } from "./sweep.js";

const exists = (name: string) => listNamespaces().includes(name);

describe("namespace harness", () => {
  it("joins two hosts with a veth pair and the kernel pings across", async () => {
    await withNetwork({ hosts: ["server", "client"] }, async (net) => {
      const server = net.host("server");
      expect(server.ip).toBe("198.18.0.1");
      expect(server.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      const ping = await net.exec("client", ["ping", "-c", "5", "-i", "0.05", "-W", "2", server.ip]);
      expect(ping.stdout).toMatch(/5 packets transmitted, 5 received, 0% packet loss/);
    });
  });

  it("joins many hosts through a bridge in its own namespace", async () => {
    await withNetwork({ hosts: ["a", "b", "c"], subnet: "198.18.7.0/24" }, async (net) => {
      for (const [from, to] of [
        ["a", "b"],
        ["b", "c"],
        ["c", "a"],
      ] as const) {
        const ping = await net.exec(from, ["ping", "-c", "2", "-i", "0.05", "-W", "2", net.host(to).ip]);
        expect(ping.stdout).toMatch(/0% packet loss/);
      }
    });
  });

  it("sets offloads on a peer", async () => {
    await withNetwork({ hosts: ["server", "client"] }, async (net) => {
      await net.setOffloads("client", { tx: false, tso: false });
      const features = await net.exec("client", ["ethtool", "-k", "eth0"]);
      expect(features.stdout).toMatch(/tx-checksumming: off/);
      expect(features.stdout).toMatch(/tcp-segmentation-offload: off/);
    });
  });

  it("gives both ends of a veth the queues asked for, and refuses queues on a bridge", async () => {
    await withNetwork({ hosts: ["a", "b"], queues: 2 }, async (net) => {
      for (const host of ["a", "b"]) {
        const channels = await net.exec(host, ["ethtool", "-l", "eth0"]);
        const current = channels.stdout.split("Current hardware settings:")[1] ?? "";
        expect(current).toMatch(/RX:\s+2/);
        expect(current).toMatch(/TX:\s+2/);
      }
    });
    await expect(createNetwork({ hosts: ["a", "b", "c"], queues: 2 })).rejects.toThrow(/veth topology only/);
    await expect(createNetwork({ hosts: ["a", "b"], queues: 0 })).rejects.toThrow(/queues must be 1 to 64/);
  });

  it("tears everything down when the body throws, and kills processes left inside", async () => {
    let names: string[] = [];
    await expect(
      withNetwork({ hosts: ["server", "client"] }, async (net) => {
        names = [...net.hosts.values()].map((h) => h.namespace);
        net.spawn("server", ["sleep", "600"]);
        throw new Error("test body failed");
      }),
    ).rejects.toThrow("test body failed");
    expect(names).toHaveLength(2);
    for (const name of names) expect(exists(name)).toBe(false);
  });

  it("tears down on SIGINT", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/hold-network.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", fixture], { stdio: ["ignore", "pipe", "inherit"] });
    const [line] = (await once(child.stdout!, "data")) as [Buffer];
    const names = JSON.parse(line.toString()) as string[];
    for (const name of names) expect(exists(name)).toBe(true);
    child.kill("SIGINT");
    const [, signal] = await once(child, "exit");
    expect(signal).toBe("SIGINT");
    for (const name of names) expect(exists(name)).toBe(false);
  });

  it("sweeps namespaces left by a process that died", async () => {
    const dead = spawnSync("true");
    const stale = `sluice-${dead.pid}-abcdef-ghost`;
    spawnSync("ip", ["netns", "add", stale]);
    expect(exists(stale)).toBe(true);
    expect(sweepStaleNamespaces()).toContain(stale);
    expect(exists(stale)).toBe(false);
  });

  it("refuses bad topologies with a clear error and leaves nothing", async () => {
    const before = listNamespaces().length;
    await expect(createNetwork({ hosts: ["a", "b", "c"], topology: "veth" })).rejects.toThrow(/exactly two hosts/);
    await expect(createNetwork({ hosts: ["Bad_Name", "b"] })).rejects.toThrow(/host name/);
    expect(listNamespaces().length).toBe(before);
  });
});
