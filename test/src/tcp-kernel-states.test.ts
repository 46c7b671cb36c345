// The Linux kernel's own RST and FIN reaching Sluice in the states tcp-interop.test.ts does not reach:
// SYN-SENT (the kernel refuses Sluice's SYN), SYN-RECEIVED (the kernel resets a SYN-ACK for a
// connection it never made) and CLOSING (both FINs cross, made to cross by delaying what Sluice sends
// with its fault device layer). Real kernel segments on a veth over AF_XDP; Sluice's counters say what it did.
import { fileURLToPath } from "node:url";
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type SluiceProcess, sluiceBin, startSluice } from "./support/sluice-process.js";

const SLUICE_IP = "198.18.0.1";
const KERNEL_IP = "198.18.0.2";
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const xdp = (extra: string[] = []) => ["--backend", "xdp", "--iface", "eth0", "--ip", `${SLUICE_IP}/24`, ...extra];

describe("the kernel's RST in SYN-RECEIVED and FIN in CLOSING, against Sluice over AF_XDP", () => {
  let net: Network;
  let sluice: SluiceProcess | undefined;

  beforeAll(async () => {
    net = await createNetwork({ hosts: ["sluice", "peer"] });
    await net.setOffloads("peer", { tx: false, tso: false, gso: false });
    await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
  });

  afterEach(async () => {
    await sluice?.stop();
    sluice = undefined;
  });

  afterAll(async () => {
    await net?.destroy();
  });

  it("gives up at once when the kernel resets Sluice's SYN (SYN-SENT: connection refused)", async () => {
    const started = Date.now();
    const out = await net.exec(
      "sluice",
      [
        process.execPath,
        sluiceBin,
        "bench",
        "tcp-stream",
        ...xdp(),
        "--target",
        `${KERNEL_IP}:9999`,
        "--bytes",
        "1024",
      ],
      { check: false, timeoutMs: 60_000 },
    );
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toMatch(/never connected/);
    expect(out.stderr).toMatch(/refused/i);
    expect(Date.now() - started).toBeLessThan(20_000); // the kernel's RST, not SYN retransmissions
  });

  it("drops an embryonic connection the kernel resets in SYN-RECEIVED: no accept, no SYN-ACK retransmission", async () => {
    sluice = await startSluice(net, "sluice", ["run", "echo", ...xdp(), "--port", "7", "--proto", "tcp"]);
    // 2.5 s of watching covers Sluice's first SYN-ACK retransmission (initial RTO 1 s).
    const out = await net.exec(
      "peer",
      ["python3", fixture("tcp-syn-rst.py"), "eth0", KERNEL_IP, SLUICE_IP, "7", "2.5"],
      {
        timeoutMs: 30_000,
      },
    );
    const seen = JSON.parse(out.stdout.trim());
    expect(seen).toMatchObject({ synAcks: 1, synAckAcksIsnPlusOne: true, resetSeqIsSynAckAck: true });
    expect(seen.kernelResets).toBe(1);
    expect(seen.fromSluiceAfterReset).toEqual([]); // the RST ended it: nothing more from Sluice
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.counters?.tcp).toMatchObject({ syns_received: 1, passive_opens: 1, handshakes_reset: 1 });
    expect(stopped.counters?.tcp).toMatchObject({ accepted: 0, resets_sent: 0 });
    expect(stopped.counters?.app).toMatchObject({ accepted: 0 });
  });

  it("closes cleanly when both FINs cross (FIN-WAIT-1 → CLOSING → TIME-WAIT on both ends)", async () => {
    // Every frame Sluice sends is held 600 ms: its reply and FIN are still on the way when the kernel
    // half-closes 300 ms after its request, and the kernel's FIN reaches Sluice before the ACK of
    // Sluice's FIN could have left the kernel.
    const delay = "reorder=1,reorder_gap=64,reorder_hold_ms=600,dir=tx,seed=1";
    sluice = await startSluice(net, "sluice", [
      "run",
      "http",
      ...xdp(["--fault", delay]),
      "--port",
      "80",
      "--proto",
      "tcp",
    ]);
    const out = await net.exec("peer", ["python3", fixture("tcp-simultaneous-close.py"), SLUICE_IP, "80", "0.3"], {
      timeoutMs: 30_000,
    });
    const kernel = JSON.parse(out.stdout.trim());
    expect(kernel).toMatchObject({ earlyReplyBytes: 0, eof: true, statusLine: "HTTP/1.1 200 OK" });
    expect(kernel.body).toBe("Hello from Sluice\n");
    // Entering TIME-WAIT, Linux hands the connection to a time-wait socket: the original says CLOSE.
    expect(kernel.states).toEqual(["FIN_WAIT1", "CLOSING", "CLOSE"]);
    const timeWait = await net.exec("peer", ["ss", "-Htn", "state", "time-wait"]);
    expect(timeWait.stdout).toContain(`${SLUICE_IP}:80`);
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.counters?.tcp).toMatchObject({ passive_opens: 1, accepted: 1, simultaneous_closes: 1 });
    expect(stopped.counters?.tcp).toMatchObject({ resets_sent: 0 });
  });
});
