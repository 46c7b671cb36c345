// The Sluice stack against the Linux kernel as a real peer, over each backend: ping, ARP, UDP echo of
// every datagram size, port unreachable, and the `sluice run` contract (ready line, stop, counters).
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { neighbourMac, ping, udpClosedPort, udpExchange } from "./support/peer.js";
import { type SluiceProcess, startSluice } from "./support/sluice-process.js";

const SLUICE_IP = "198.18.0.1";

interface Backend {
  name: "xdp" | "tap" | "dpdk";
  /** Builds the topology and returns the flags that point sluice at its device. */
  prepare(net: Network): Promise<string[]>;
  /** Host whose kernel is the Linux peer. */
  peer: string;
  /** Address the peer pings and sends to. */
}

const veth = async (net: Network, extraFlags: string[]): Promise<string[]> => {
  // Pitfall: the peer's tx checksum offload leaves partial checksums on veth; a wire would not.
  await net.setOffloads("peer", { tx: false, tso: false, gso: false });
  // The Sluice host's kernel must not answer for the address Sluice owns.
  await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
  return ["--iface", "eth0", ...extraFlags];
};

const BACKENDS: Backend[] = [
  { name: "xdp", peer: "peer", prepare: (net) => veth(net, ["--queue", "0"]) },
  { name: "dpdk", peer: "peer", prepare: (net) => veth(net, ["--dpdk-vdev", "net_af_packet0,iface=eth0"]) },
  {
    name: "tap",
    // The kernel on the other side of the TAP device is the peer, in the same namespace.
    peer: "sluice",
    prepare: async (net) => {
      await net.exec("sluice", ["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"]);
      await net.exec("sluice", ["ip", "addr", "add", "198.18.0.2/24", "dev", "tap0"]);
      await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
      await net.exec("sluice", ["ip", "link", "set", "tap0", "up"]);
      return ["--iface", "tap0"];
    },
  },
];

for (const backend of BACKENDS) {
  describe(`UDP echo over ${backend.name} against the Linux kernel`, () => {
    let net: Network;
    let sluice: SluiceProcess;
    let deviceFlags: string[];
    const runFlags = () => [
      "run",
      "echo",
      "--backend",
      backend.name,
      ...deviceFlags,
      "--ip",
      `${SLUICE_IP}/24`,
      "--port",
      "7",
      "--proto",
      "udp",
    ];

    beforeAll(async () => {
      net = await createNetwork({ hosts: ["sluice", "peer"] });
      deviceFlags = await backend.prepare(net);
      sluice = await startSluice(net, "sluice", runFlags());
    });

    afterAll(async () => {
      await net?.destroy();
    });

    it("prints the ready line of the contract", () => {
      expect(sluice.readyLine).toBe(`ready echo udp ${SLUICE_IP}:7 backend=${backend.name}`);
    });

    it("answers 200 pings without loss, and the peer learns its MAC by ARP", async () => {
      const result = await ping(net, backend.peer, SLUICE_IP, 200);
      expect(result.transmitted).toBe(200);
      expect(result.received).toBe(200);
      expect(await neighbourMac(net, backend.peer, SLUICE_IP)).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    });

    it("echoes every datagram size from 1 to 1472 bytes byte-exactly", async () => {
      const result = await udpExchange(net, backend.peer, SLUICE_IP, 7);
      expect(result).toEqual({ sent: 1472, echoed: 1472, mismatched: 0, missing: [] });
    });

    it("answers a closed port with ICMP port unreachable", async () => {
      expect(await udpClosedPort(net, backend.peer, SLUICE_IP, 9)).toBe("ECONNREFUSED");
    });

    it("stops within a second on SIGINT, prints counters, and the device can be bound again at once", async () => {
      const stopped = await sluice.stop("SIGINT");
      expect(stopped.code).toBe(0);
      expect(stopped.stoppedInMs).toBeLessThan(1000);
      expect(stopped.counters?.app?.datagrams).toBeGreaterThanOrEqual(1472);
      expect(stopped.counters?.device?.rx_packets).toBeGreaterThan(1672);
      sluice = await startSluice(net, "sluice", runFlags());
      expect(sluice.readyLine).toBe(`ready echo udp ${SLUICE_IP}:7 backend=${backend.name}`);
      const again = await sluice.stop("SIGTERM");
      expect(again.code).toBe(0);
    });
  });
}
