// Transparent acceleration of event-loop programs: packages/native/preload/test/epoll_probe.c (a mixed
// epoll set, half-close, fork, dup2, readv/writev/sendmsg/recvmsg, select/ppoll, loopback through
// the kernel) compared with the same binary on the kernel, then unmodified Debian redis-server and
// nginx and a Node.js `net` server under `sluice accelerate` over AF_XDP, served to real clients
// (redis-cli, redis-benchmark, curl, wrk, the sockets probe) from a Linux peer.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accelerateCommand, epollProbeBin, probeBin, start, summary } from "./support/accelerate.js";

const PORT = 7200;
const BYTES = 300_000;

describe("sluice accelerate: event-loop programs on AF_XDP", () => {
  let net: Network;
  let accelerate: string[];
  let dir: string;
  // Each program gets its own host (its own veth and AF_XDP queue), so one never waits for the
  // queue the previous one released.
  const launcher: Record<string, string[]> = {};

  beforeAll(async () => {
    for (const bin of [probeBin, epollProbeBin]) {
      if (!existsSync(bin)) throw new Error(`${bin} is missing: npm run build -w @sluice/native`);
    }
    net = await createNetwork({ hosts: ["sluice", "redis", "nginx", "node", "peer", "kernel"] });
    // The peer would otherwise hand over oversized TSO frames and partial checksums (pitfalls 1, 8).
    await net.setOffloads("peer", { tx: false, tso: false, gso: false });
    accelerate = await accelerateCommand(net, "sluice");
    for (const host of ["redis", "nginx", "node"]) launcher[host] = await accelerateCommand(net, host);
    dir = mkdtempSync(join(tmpdir(), "sluice-accelerate-apps-"));
  });

  afterAll(async () => {
    await net?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs an epoll server (mixed set, ET/LT/ONESHOT, half-close, fork, loopback) as the kernel does", async () => {
    async function serve(host: string, prefix: string[]) {
      const server = start(net, host, [...prefix, epollProbeBin, "server", String(PORT), "2"]);
      expect(await server.ready).toBe(`ready ${PORT}`);
      const clients = await Promise.all(
        [0, 1].map(() =>
          net.exec("peer", [epollProbeBin, "client", net.host(host).ip, String(PORT), String(BYTES)], {
            timeoutMs: 60_000,
          }),
        ),
      );
      const served = await server.done;
      expect(served.stderr).toBe("");
      expect(served.code).toBe(0);
      return { clients: clients.map((c) => summary(c.stdout)), server: summary(served.stdout) };
    }
    const onKernel = await serve("kernel", []);
    expect(onKernel.server).toEqual({
      connections: 2,
      echoed: 2 * BYTES,
      tags_ok: 1,
      rdhup: 2,
      accept4_flags: 1,
      add_again: "EEXIST",
      del_missing: "EBADF",
      child_exit: 0,
      pipe: "child",
      loopback: "ok",
    });
    expect(onKernel.clients[0]).toMatchObject({ received: BYTES, mismatched: 0, trailer: "bye" });
    expect(await serve("sluice", accelerate)).toEqual(onKernel);
  });

  it("runs an epoll client (select, dup2, sendmsg/recvmsg, SHUT_WR, ppoll) against Linux as the kernel does", async () => {
    async function connect(host: string, prefix: string[]) {
      const server = start(net, "peer", [epollProbeBin, "server", String(PORT), "1"]);
      await server.ready;
      const client = await net.exec(
        host,
        [...prefix, epollProbeBin, "client", net.host("peer").ip, String(PORT), String(BYTES)],
        { timeoutMs: 60_000, check: false },
      );
      expect(client.stderr).toBe("");
      expect(client.code).toBe(0);
      const served = await server.done;
      expect(summary(served.stdout)).toMatchObject({ connections: 1, echoed: BYTES, rdhup: 1 });
      return summary(client.stdout);
    }
    const onKernel = await connect("kernel", []);
    expect(onKernel).toEqual({
      connect: "EINPROGRESS",
      selected: 1,
      so_error: 0,
      sent: BYTES,
      received: BYTES,
      mismatched: 0,
      write_after_shutdown: "EPIPE",
      trailer: "bye",
      tags_ok: 1,
      rdhup: 1,
      ppoll: 1,
      ppoll_events: 1,
    });
    expect(await connect("sluice", accelerate)).toEqual(onKernel);
  });

  it("serves redis-cli and redis-benchmark from an unmodified redis-server", async () => {
    const ip = net.host("redis").ip;
    const redisArgs = ["--port", String(PORT), "--bind", ip, "--save", "", "--appendonly", "no"];
    redisArgs.push("--protected-mode", "no", "--dir", dir, "--tcp-keepalive", "0");
    const server = start(net, "redis", [...launcher.redis!, "/usr/bin/redis-server", ...redisArgs], /Ready to accept/);
    await server.ready;
    try {
      const cli = (...args: string[]) =>
        net.exec("peer", ["redis-cli", "-h", ip, "-p", String(PORT), ...args], { timeoutMs: 30_000 });
      expect((await cli("PING")).stdout.trim()).toBe("PONG");
      const value = "v".repeat(5000);
      expect((await cli("SET", "key", value)).stdout.trim()).toBe("OK");
      expect((await cli("GET", "key")).stdout.trim()).toBe(value);
      const bench = await net.exec(
        "peer",
        ["redis-benchmark", "-h", ip, "-p", String(PORT), "-c", "16", "-n", "4000", "-t", "set,get", "-q"],
        { timeoutMs: 90_000 },
      );
      for (const command of ["SET", "GET"]) {
        const rate = new RegExp(`${command}: ([0-9.]+) requests per second`).exec(bench.stdout);
        expect(rate, bench.stdout).not.toBeNull();
        expect(Number(rate![1])).toBeGreaterThan(0);
      }
      expect((await cli("DBSIZE")).stdout.trim()).toMatch(/^[1-9][0-9]*$/);
    } finally {
      server.kill("SIGTERM");
      const ended = await server.done;
      expect(ended.code).toBe(0);
    }
  });

  it("serves curl and wrk from an unmodified nginx (epoll, edge-triggered, sendfile)", async () => {
    const ip = net.host("nginx").ip;
    const www = join(dir, "www");
    const body = Buffer.alloc(200_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7 + 3) % 251;
    const conf = join(dir, "nginx.conf");
    rmSync(www, { recursive: true, force: true });
    await net.exec("nginx", ["mkdir", "-p", www, join(dir, "nginx-temp")]);
    writeFileSync(join(www, "blob.bin"), body);
    writeFileSync(join(www, "index.html"), "hello from nginx\n");
    writeFileSync(
      conf,
      `daemon off;
master_process off;
worker_processes 1;
error_log stderr warn;
pid ${join(dir, "nginx.pid")};
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path ${join(dir, "nginx-temp")};
  proxy_temp_path ${join(dir, "nginx-temp")};
  fastcgi_temp_path ${join(dir, "nginx-temp")};
  uwsgi_temp_path ${join(dir, "nginx-temp")};
  scgi_temp_path ${join(dir, "nginx-temp")};
  server { listen ${ip}:${PORT}; root ${www}; }
}
`,
    );
    const server = start(net, "nginx", [...launcher.nginx!, "/usr/sbin/nginx", "-p", dir, "-c", conf, "-e", "stderr"]);
    try {
      const url = `http://${ip}:${PORT}`;
      const first = await net.exec(
        "peer",
        ["curl", "-sS", "--retry", "30", "--retry-connrefused", "--retry-delay", "1", "--max-time", "20", `${url}/`],
        { timeoutMs: 60_000 },
      );
      expect(first.stdout).toBe("hello from nginx\n");
      const out = join(dir, "got.bin");
      await net.exec("peer", ["curl", "-sS", "--max-time", "30", "-o", out, `${url}/blob.bin`], { timeoutMs: 60_000 });
      expect(readFileSync(out).equals(body)).toBe(true);
      const wrk = await net.exec("peer", ["wrk", "-t", "1", "-c", "16", "-d", "2s", `${url}/`], { timeoutMs: 60_000 });
      const rate = /Requests\/sec:\s+([0-9.]+)/.exec(wrk.stdout);
      expect(rate, wrk.stdout).not.toBeNull();
      expect(Number(rate![1])).toBeGreaterThan(0);
      expect(wrk.stdout).not.toMatch(/Socket errors|Non-2xx/);
    } finally {
      server.kill("SIGQUIT");
      const ended = await server.done;
      expect(ended.stderr).not.toMatch(/\[(alert|crit|emerg)\]/);
    }
  });

  it("serves the sockets probe client from an unmodified Node.js net echo server", async () => {
    const ip = net.host("node").ip;
    const script = `require("net").createServer((s) => s.pipe(s)).listen(${PORT}, "${ip}", () => console.log("ready node"))`;
    const server = start(net, "node", [...launcher.node!, process.execPath, "-e", script]);
    await server.ready;
    try {
      const client = await net.exec("peer", [probeBin, "client", ip, String(PORT), String(BYTES)], {
        timeoutMs: 60_000,
      });
      expect(summary(client.stdout)).toMatchObject({
        connect: "EINPROGRESS",
        so_error: "0",
        sent: BYTES,
        received: BYTES,
        mismatched: 0,
      });
    } finally {
      server.kill("SIGTERM");
      await server.done;
    }
  });
});
