// The set-up the server tests share: a "sluice" host whose eth0 Sluice drives over AF_XDP and a Linux "peer" host,
// and the Sluice server a test starts there, stopped after each test whatever the test did.
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type SluiceProcess, type StopResult, startSluice } from "./sluice-process.js";

/** Sluice's address on the "sluice" host's eth0. */
export const SLUICE_IP = "198.18.0.1";

/** `sluice run APP` on AF_XDP over the "sluice" host's eth0 at SLUICE_IP/24, then the app's own flags. */
export function xdpRunArgs(app: string, flags: string[] = []): string[] {
  return ["run", app, "--backend", "xdp", "--iface", "eth0", "--ip", `${SLUICE_IP}/24`, ...flags];
}

/**
 * A network of `hosts` ("sluice" and "peer" unless given) ready for Sluice on the "sluice" host: the peer's offloads
 * are off (it would otherwise hand over oversized TSO frames and partial checksums: pitfalls 1 and 8) and the "sluice"
 * host's eth0 has no kernel address (Sluice owns it).
 */
export async function createXdpNetwork(hosts: string[] = ["sluice", "peer"]): Promise<Network> {
  const net = await createNetwork({ hosts });
  await net.setOffloads("peer", { tx: false, tso: false, gso: false });
  await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
  return net;
}

export interface SluiceServerHosts {
  /** The network (from beforeAll on). */
  readonly net: Network;
  /** The server a test started and has not stopped, if any. */
  readonly sluice: SluiceProcess | undefined;
  /** Starts `sluice ARGS` on the "sluice" host and waits for its ready line. */
  start(args: string[], timeoutMs?: number): Promise<SluiceProcess>;
  /** Stops the running server now, for a test that checks how it stopped (its counters). */
  stop(): Promise<StopResult>;
}

/**
 * Call inside a describe: makes the network in beforeAll (createXdpNetwork), stops the server a test left running
 * in afterEach, and destroys the network in afterAll.
 */
export function withSluiceServer(): SluiceServerHosts {
  let net: Network | undefined;
  let sluice: SluiceProcess | undefined;
  beforeAll(async () => {
    net = await createXdpNetwork();
  });
  afterEach(async () => {
    const running = sluice;
    sluice = undefined;
    await running?.stop();
  });
  afterAll(async () => {
    await net?.destroy();
  });
  return {
    get net() {
      if (!net) throw new Error("the network is made in beforeAll");
      return net;
    },
    get sluice() {
      return sluice;
    },
    async start(args, timeoutMs) {
      sluice = await startSluice(this.net, "sluice", args, timeoutMs);
      return sluice;
    },
    async stop() {
      const running = sluice;
      if (!running) throw new Error("no Sluice server is running");
      sluice = undefined;
      return running.stop();
    },
  };
}
