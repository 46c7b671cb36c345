// The `sluice run` command-line contract: usage errors exit 2 with one line naming the problem; a
// device that cannot be opened exits 1 naming the cause.
import { spawnSync } from "node:child_process";
import { withNetwork } from "@sluice/netns";
import { describe, expect, it } from "vitest";
import { sluiceBin, startSluice } from "./support/sluice-process.js";

const sluice = (...args: string[]) => spawnSync(process.execPath, [sluiceBin, ...args], { encoding: "utf8" });
const base = [
  "run",
  "echo",
  "--backend",
  "xdp",
  "--iface",
  "lo",
  "--ip",
  "198.18.0.1/24",
  "--port",
  "7",
  "--proto",
  "udp",
];
const withFlag = (flag: string, value?: string) => {
  const args = [...base];
  const at = args.indexOf(flag);
  if (value === undefined) args.splice(at, 2);
  else args[at + 1] = value;
  return args;
};

describe("sluice run: usage errors", () => {
  const cases: Array<[string, string[], RegExp]> = [
    ["a missing interface", withFlag("--iface", "nosuch0"), /no network interface "nosuch0"/],
    ["an address without a prefix", withFlag("--ip", "198.18.0.1"), /--ip must be A\.B\.C\.D\/LEN/],
    ["an unknown backend", withFlag("--backend", "rdma"), /--backend must be one of xdp, dpdk, tap, kernel/],
    ["a port out of range", withFlag("--port", "70000"), /--port must be an integer from 1 to 65535/],
    ["a missing port", withFlag("--port"), /required option '--port <n>' not specified/],
    ["an unknown flag", [...base, "--turbo"], /unknown option '--turbo'/],
    ["an unknown app", ["run", "ftp", ...base.slice(2)], /app must be one of echo, sockperf/],
    ["a bad MAC", [...base, "--mac", "02:00:00:00:00"], /--mac must be six hex bytes/],
    ["a bad fault spec", [...base, "--fault", "drop=2"], /drop/],
  ];
  for (const [what, args, message] of cases) {
    it(`rejects ${what} with exit code 2 and one line`, () => {
      const result = sluice(...args);
      expect(result.status).toBe(2);
      const lines = result.stderr.trim().split("\n");
      expect(lines[0]).toMatch(message);
      expect(result.stdout).not.toMatch(/^ready/m);
    });
  }
});

describe("sluice run: device errors", () => {
  it("exits 1 naming the cause when the queue is already taken", async () => {
    await withNetwork({ hosts: ["sluice", "peer"] }, async (net) => {
      const args = ["run", "echo", "--backend", "xdp", "--iface", "eth0", "--ip", "198.18.0.1/24", "--port", "7"];
      const first = await startSluice(net, "sluice", args);
      const second = await net.exec("sluice", [process.execPath, sluiceBin, ...args], {
        check: false,
        timeoutMs: 30_000,
      });
      expect(second.code).toBe(1);
      expect(second.stderr.trim().split("\n")).toHaveLength(1);
      expect(second.stderr).toMatch(/busy/i);
      expect((await first.stop()).code).toBe(0);
    });
  });
});
