// Desired instances from the control plane become planner instances: built-in config mapped to
// `sluice run` flags, bundles downloaded from a real HTTP server and verified by size and sha256
// (a wrong digest is discarded, never run), node bundles unpacked to `node <main>`, programs run by
// `sluice accelerate`.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DesiredInstance } from "@sluice/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specFactory } from "../reconcile/execute.js";
import { lastLogLines } from "../supervisor/log-tail.js";
import { SLUICE_BIN } from "../supervisor/spec.js";
import { Supervisor } from "../supervisor/supervisor.js";
import { ArtifactCache } from "./artifacts.js";
import { translateDesired } from "./desired-translation.js";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

describe("desired state translation", () => {
  let dir: string;
  let server: Server;
  let base: string;
  const served = new Map<string, Buffer>();
  const requests: { url: string; authorization: string | undefined }[] = [];
  let nodeBundle: Buffer;
  const nativeBundle = Buffer.from("#!/bin/sh\necho ready native\n");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sluice-artifacts-"));
    const source = join(dir, "source", "package");
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, "package.json"), JSON.stringify({ name: "app", main: "server.js" }));
    writeFileSync(
      join(source, "server.js"),
      "console.log('ready app ' + process.env.SLUICE_INSTANCE_ID + ' ' + process.env.SLUICE_CONFIG); setInterval(() => {}, 1 << 30);\n",
    );
    spawnSync("tar", ["-czf", join(dir, "bundle.tgz"), "-C", join(dir, "source"), "package"]);
    nodeBundle = readFileSync(join(dir, "bundle.tgz"));
    served.set(sha256(nodeBundle), nodeBundle);
    served.set(sha256(nativeBundle), nativeBundle);
    server = createServer((request, response) => {
      requests.push({ url: request.url ?? "", authorization: request.headers.authorization });
      const body = served.get((request.url ?? "").replace("/api/agent/artifacts/", ""));
      if (!body) response.writeHead(404).end("no such artifact");
      else response.writeHead(200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const instance = (n: number, extra: Partial<DesiredInstance>): DesiredInstance => ({
    id: id(n),
    app: "echo",
    version: "1",
    artifact: { kind: "builtin", name: "echo" },
    config: {},
    cores: [1],
    nic: "eth0",
    queues: [0],
    ...extra,
  });

  it("maps built-in config to sluice run flags, and fails one instance alone for bad config", async () => {
    const stateDir = join(dir, "state-builtin");
    const result = await translateDesired(
      [
        instance(1, { config: { ip: "198.18.0.1/24", port: 7, busyPoll: false, proto: "udp" } }),
        instance(2, { config: { ip: "198.18.0.1/24", port: "7" } }),
        instance(3, { config: { ip: "198.18.0.1/24", port: 7, colour: "red" } }),
        instance(4, { config: { port: 7 }, nic: "sl-absent0" }),
        instance(5, { artifact: { kind: "program", command: ["nginx"] } }),
        // No ip in the config: the NIC's own address is the instance's (lo always has one).
        instance(6, {
          app: "kv",
          artifact: { kind: "builtin", name: "kv" },
          config: { port: 6379, proto: "tcp", busyPoll: false },
          nic: "lo",
        }),
        instance(7, {
          app: "redis",
          artifact: { kind: "program", command: ["/usr/bin/redis-server", "--port", "6379"] },
          config: { ip: "198.18.0.1/24", busyPoll: false },
        }),
        instance(8, { artifact: { kind: "program", command: ["/usr/bin/redis-server"] }, config: { port: 6379 } }),
        instance(9, { config: { ip: "198.18.0.1/24", port: 7 }, queues: [0, 1], cores: [0, 1] }),
        instance(10, { config: { ip: "198.18.0.1/24", port: 7 }, queues: [0, 1], cores: [1] }),
        instance(11, {
          artifact: { kind: "program", command: ["/usr/bin/redis-server"] },
          config: { ip: "198.18.0.1/24" },
          queues: [0, 1],
          cores: [0, 1],
        }),
      ],
      stateDir,
      new ArtifactCache(stateDir, base, "snc_test"),
    );
    expect(result.instances.map((i) => [i.id, i.runtime, i.argv])).toEqual([
      [
        id(1),
        "sluice",
        [
          ...["run", "echo", "--backend", "xdp", "--ip", "198.18.0.1/24", "--port", "7", "--no-busy-poll"],
          ...[
            "--proto",
            "udp",
            "--iface",
            "eth0",
            "--queue",
            "0",
            "--stats-file",
            join(stateDir, "instances", id(1), "stats"),
          ],
        ],
      ],
      [
        id(6),
        "sluice",
        [
          ...["run", "kv", "--backend", "xdp", "--port", "6379", "--proto", "tcp", "--no-busy-poll"],
          ...["--ip", "127.0.0.1/8", "--iface", "lo", "--queue", "0"],
          ...["--stats-file", join(stateDir, "instances", id(6), "stats")],
        ],
      ],
      [
        id(7),
        "program",
        [
          ...[
            process.execPath,
            SLUICE_BIN,
            "accelerate",
            "--backend",
            "xdp",
            "--ip",
            "198.18.0.1/24",
            "--no-busy-poll",
            "--iface",
            "eth0",
          ],
          ...["--queue", "0", "--stats-file", join(stateDir, "instances", id(7), "stats")],
          ...["--", "/usr/bin/redis-server", "--port", "6379"],
        ],
      ],
      [
        id(9),
        "sluice",
        [
          ...["run", "echo", "--backend", "xdp", "--ip", "198.18.0.1/24", "--port", "7", "--iface", "eth0"],
          ...["--queues", "0,1", "--cores", "0,1", "--stats-file", join(stateDir, "instances", id(9), "stats")],
        ],
      ],
    ]);
    expect(Object.fromEntries(result.failures)).toEqual({
      [id(2)]: 'config port must be an integer, got "7"',
      [id(3)]: expect.stringMatching(/^unknown config key "colour" \(known: backend, iface, ip, /),
      [id(4)]: "config ip is required (this instance's address, A.B.C.D/LEN)",
      [id(5)]: 'a program app\'s command must start with an absolute path, got "nginx"',
      [id(8)]: "config port does not apply to a program app",
      [id(10)]: "an instance on 2 queues runs one pinned stack per queue and needs as many cores; it has 1",
      [id(11)]: "a program app binds one queue; this instance owns 2 (0,1)",
    });
  });

  it("downloads bundles with the node credential, verifies and caches them, and discards a wrong digest", async () => {
    const stateDir = join(dir, "state-bundles");
    const cache = new ArtifactCache(stateDir, base, "snc_test");
    const wrong = Buffer.from("not what was promised");
    const claimed = sha256(Buffer.from("the real thing"));
    served.set(claimed, wrong);
    const result = await translateDesired(
      [
        instance(1, {
          artifact: { kind: "bundle", format: "node", sha256: sha256(nodeBundle), size: nodeBundle.length },
        }),
        instance(2, {
          artifact: { kind: "bundle", format: "native", sha256: sha256(nativeBundle), size: nativeBundle.length },
        }),
        instance(3, { artifact: { kind: "bundle", format: "native", sha256: claimed, size: wrong.length } }),
      ],
      stateDir,
      cache,
    );
    expect(result.instances.map((i) => i.argv)).toEqual([
      [process.execPath, join(cache.dir, `${sha256(nodeBundle)}.d`, "package", "server.js")],
      [join(cache.dir, sha256(nativeBundle))],
    ]);
    // The node bundle imports @sluice/libos from the agent's own install.
    const linked = join(cache.dir, `${sha256(nodeBundle)}.d`, "package", "node_modules", "@sluice", "libos");
    expect(JSON.parse(readFileSync(join(linked, "package.json"), "utf8")).name).toBe("@sluice/libos");
    expect(result.instances[0]?.env).toMatchObject({
      SLUICE_INSTANCE_ID: id(1),
      SLUICE_QUEUES: "0",
      SLUICE_NIC: "eth0",
    });
    expect(result.failures.get(id(3))).toBe(
      `artifact ${claimed} failed verification: expected ${wrong.length} bytes with sha256 ${claimed}, got ${wrong.length} bytes with sha256 ${sha256(wrong)}; discarded`,
    );
    expect(existsSync(join(cache.dir, claimed))).toBe(false);
    expect(readdirSync(cache.dir).sort()).toEqual(
      [sha256(nativeBundle), sha256(nodeBundle), `${sha256(nodeBundle)}.d`].sort(),
    );
    expect(requests.every((r) => r.authorization === "Bearer snc_test")).toBe(true);

    // Cached: a second reconcile downloads nothing.
    const before = requests.length;
    await cache.fetch({ sha256: sha256(nativeBundle), size: nativeBundle.length, format: "native" });
    expect(requests.length).toBe(before);
  });

  it("runs a node bundle under the supervisor, pinned, with its SLUICE_* environment", async () => {
    const stateDir = join(dir, "state-run");
    const { instances } = await translateDesired(
      [
        instance(7, {
          config: { greeting: "hi" },
          cores: [0],
          artifact: { kind: "bundle", format: "node", sha256: sha256(nodeBundle), size: nodeBundle.length },
        }),
      ],
      stateDir,
      new ArtifactCache(stateDir, base, "snc_test"),
    );
    const supervisor = new Supervisor({ stateDir });
    try {
      const spec = specFactory()(instances[0]!);
      expect(spec.launcher.slice(0, 3)).toEqual(["taskset", "--cpu-list", "0"]);
      supervisor.start(spec);
      const ready = await supervisor.waitFor(id(7), ["ready"]);
      const line = await new Promise<string>((resolve, reject) => {
        const deadline = Date.now() + 10_000;
        const look = () => {
          const found = lastLogLines(ready.logFile, 2, 5).find((l) => l.startsWith("ready app"));
          if (found) resolve(found);
          else if (Date.now() > deadline) reject(new Error("no ready line in the log"));
          else setTimeout(look, 50);
        };
        look();
      });
      expect(line).toBe(`ready app ${id(7)} {"greeting":"hi"}`);
      expect(readFileSync(`/proc/${ready.pid}/status`, "utf8")).toMatch(/^Cpus_allowed_list:\s+0$/m);
    } finally {
      await supervisor.stopAll();
    }
  });
});
