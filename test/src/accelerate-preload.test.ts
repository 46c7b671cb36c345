// Transparent acceleration, first slice: packages/native/preload/test/sockets_probe.c (plain POSIX
// sockets, no Sluice in it) run under `sluice accelerate` over AF_XDP in a namespace against Linux
// peers, and the same binary on the kernel. Each run prints what it observed (errno names, counts,
// byte-exactness); accelerated and kernel runs must agree exactly.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Network } from "@sluice/netns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accelerateCommand, probeBin, start, summary } from "./support/accelerate.js";
import { sluiceBin } from "./support/sluice-process.js";
import { createXdpNetwork } from "./support/sluice-server.js";

const PORT = 7100;
const BYTES = 256 * 1024;

describe("sluice accelerate: an unmodified sockets program on AF_XDP, compared with the kernel", () => {
  let net: Network;
  let accelerate: string[];

  beforeAll(async () => {
    if (!existsSync(probeBin)) throw new Error(`${probeBin} is missing: npm run build -w @sluice/native`);
    net = await createXdpNetwork(["sluice", "peer", "kernel"]);
    accelerate = await accelerateCommand(net, "sluice", ["--tcp-connections", "16"]);
  });

  afterAll(async () => {
    await net?.destroy();
  });

  async function serveOnce(host: string, prefix: string[]) {
    const server = start(net, host, [...prefix, probeBin, "server", String(PORT), "1"]);
    expect(await server.ready).toBe(`ready ${PORT}`);
    const client = await net.exec("peer", [probeBin, "client", net.host(host).ip, String(PORT), String(BYTES)], {
      timeoutMs: 60_000,
    });
    const served = await server.done;
    expect(served.stderr).toBe("");
    expect(served.code).toBe(0);
    return { client: summary(client.stdout), server: summary(served.stdout) };
  }

  it("serves a Linux client from a blocking echo server exactly as the kernel does", async () => {
    const onKernel = await serveOnce("kernel", []);
    expect(onKernel.server).toEqual({ connections: 1, peers_named: 1, echoed: BYTES });
    expect(onKernel.client).toEqual({
      connect: "EINPROGRESS",
      so_error: "0",
      early_read: "EAGAIN",
      nodelay: 1,
      sent: BYTES,
      received: BYTES,
      mismatched: 0,
      pipe_seen: 1,
      refused_connect: "EINPROGRESS",
      refused_so_error: "ECONNREFUSED",
      refused_reads: ["ECONNREFUSED", "0"],
    });
    const accelerated = await serveOnce("sluice", accelerate);
    expect(accelerated).toEqual(onKernel);
  });

  it("runs a non-blocking client (EINPROGRESS, poll, SO_ERROR, EAGAIN) against a Linux server as the kernel does", async () => {
    async function clientRun(host: string, prefix: string[]) {
      const server = start(net, "peer", [probeBin, "server", String(PORT), "1"]);
      await server.ready;
      const client = await net.exec(
        host,
        [...prefix, probeBin, "client", net.host("peer").ip, String(PORT), String(BYTES)],
        { timeoutMs: 60_000, check: false },
      );
      expect(client.stderr).toBe("");
      expect(client.code).toBe(0);
      const served = await server.done;
      expect(summary(served.stdout)).toEqual({ connections: 1, peers_named: 1, echoed: BYTES });
      return summary(client.stdout);
    }
    const onKernel = await clientRun("kernel", []);
    expect(onKernel).toMatchObject({
      connect: "EINPROGRESS",
      early_read: "EAGAIN",
      mismatched: 0,
      received: BYTES,
      pipe_seen: 1,
    });
    expect(await clientRun("sluice", accelerate)).toEqual(onKernel);
    // The sluice host's kernel has no address, so only the Sluice stack can have carried that run.
    const unaccelerated = await net.exec("sluice", [probeBin, "client", net.host("peer").ip, String(PORT), "1"], {
      check: false,
    });
    expect(unaccelerated.code).toBe(1);
    expect(unaccelerated.stderr.trim()).toBe("sockets_probe: connect: Network is unreachable");
  });

  it("echoes UDP datagrams of every size both ways as the kernel does", async () => {
    const COUNT = 1472;
    async function exchange(serverHost: string, serverPrefix: string[], clientHost: string, clientPrefix: string[]) {
      const server = start(net, serverHost, [...serverPrefix, probeBin, "udp-server", String(PORT), String(COUNT)]);
      await server.ready;
      const client = await net.exec(
        clientHost,
        [...clientPrefix, probeBin, "udp-client", net.host(serverHost).ip, String(PORT), String(COUNT)],
        { timeoutMs: 60_000, check: false },
      );
      expect(client.stderr).toBe("");
      const served = await server.done;
      expect(served.stderr).toBe("");
      return { client: summary(client.stdout), server: summary(served.stdout) };
    }
    const onKernel = await exchange("kernel", [], "peer", []);
    expect(onKernel).toEqual({
      client: { early_recv: "EAGAIN", peer_matches: 1, echoed: COUNT, mismatched: 0 },
      server: { datagrams: COUNT, bytes: (COUNT * (COUNT + 1)) / 2 },
    });
    expect(await exchange("sluice", accelerate, "peer", [])).toEqual(onKernel);
    expect(await exchange("peer", [], "sluice", accelerate)).toEqual(onKernel);
  });

  it("serves files to curl from an unmodified python3 -m http.server (threads, poll)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-accelerate-www-"));
    const body = Buffer.alloc(300_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31 + 7) % 251;
    writeFileSync(join(dir, "blob.bin"), body);
    const ip = net.host("sluice").ip;
    const server = start(
      net,
      "sluice",
      [...accelerate, "/usr/bin/python3", "-u", "-m", "http.server", String(PORT), "--bind", ip, "--directory", dir],
      "Serving HTTP on",
    );
    await server.ready;
    try {
      for (let i = 0; i < 3; i++) {
        const out = join(dir, `got-${i}.bin`);
        await net.exec("peer", ["curl", "-sS", "--max-time", "30", "-o", out, `http://${ip}:${PORT}/blob.bin`], {
          timeoutMs: 60_000,
        });
        expect(readFileSync(out).equals(body)).toBe(true);
      }
    } finally {
      server.kill("SIGINT");
      await server.done;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes the program's exit code through and refuses bad usage with exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-accelerate-"));
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ backend: "xdp", interface: "eth0", ipv4: "198.18.0.1/24" }));
    // sh opens no IPv4 socket, so the LibOS never starts: the exit code is the program's own.
    const exited = await net.exec(
      "sluice",
      [process.execPath, sluiceBin, "accelerate", "--config", config, "--", "sh", "-c", "exit 7"],
      {
        check: false,
      },
    );
    expect(exited.code).toBe(7);
    const noInstance = await net.exec("sluice", [process.execPath, sluiceBin, "accelerate", "--", "true"], {
      check: false,
    });
    expect(noInstance.code).toBe(2);
    expect(noInstance.stderr.trim()).toBe("sluice: give --config FILE or --backend with the instance flags");
    const both = await net.exec(
      "sluice",
      [process.execPath, sluiceBin, "accelerate", "--config", config, "--backend", "xdp", "--", "true"],
      { check: false },
    );
    expect(both.code).toBe(2);
    expect(both.stderr.trim()).toBe("sluice: --config and --backend exclude each other");

    // A configuration the LibOS refuses: the program's first IPv4 socket() fails, with the reason.
    const bad = join(dir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({ backend: "xdp", interface: "eth0", ipv4: "198.18.0.1/24", tcp: { congestion: "vegas" } }),
    );
    const refused = await net.exec(
      "sluice",
      [process.execPath, sluiceBin, "accelerate", "--config", bad, "--", probeBin, "client", "198.18.0.2", "1", "1"],
      { check: false },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toEqual([
      `sluice preload: cannot start the LibOS: ${bad}: config.tcp.congestion: expected "cubic" or "newreno", got "vegas"`,
      "sockets_probe: socket: Invalid argument",
    ]);
    rmSync(dir, { recursive: true, force: true });
  });
});
