// The capabilities infra/systemd/sluice-agent.service (and the Kubernetes DaemonSet) grant are enough
// for a real AF_XDP instance run by an unprivileged user, and the ones that look removable are not:
// the instance runs as uid 65534 with exactly that set as ambient capabilities, as systemd would run it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Network } from "@sluice/netns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ping } from "./support/peer.js";
import { sluiceBin, startProcess } from "./support/sluice-process.js";
import { createXdpNetwork } from "./support/sluice-server.js";

const unit = readFileSync(fileURLToPath(new URL("../../infra/systemd/sluice-agent.service", import.meta.url)), "utf8");
const unitCapabilities = /^AmbientCapabilities=(.*)$/m.exec(unit)![1]!.split(" ");

/** `sluice ARGS` through setpriv, as an unprivileged uid holding exactly `capabilities` (inheritable,
 * ambient and bounding). */
function asUnprivileged(capabilities: string[], args: string[]): string[] {
  const set = ["-all", ...capabilities.map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`)].join(",");
  return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"].concat(
    `--inh-caps=${set}`,
    `--ambient-caps=${set}`,
    `--bounding-set=${set}`,
    process.execPath,
    sluiceBin,
    ...args,
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
    net = await createXdpNetwork();
  });
  afterAll(() => net?.destroy());

  it("are CAP_NET_RAW, CAP_NET_ADMIN, CAP_SYS_ADMIN and CAP_IPC_LOCK", () => {
    expect([...unitCapabilities].sort()).toEqual(["CAP_IPC_LOCK", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SYS_ADMIN"]);
  });

  it("let a non-root AF_XDP echo instance serve a Linux peer", async () => {
    const sluice = await startProcess(net, "sluice", asUnprivileged(unitCapabilities, echo()), 30_000);
    expect(sluice.readyLine).toMatch(/backend=xdp/);
    const result = await ping(net, "peer", "198.18.0.1", 5);
    const stopped = await sluice.stop();
    expect(result.received).toBe(5);
    expect(stopped.code).toBe(0);
  });

  it.each([
    ["CAP_SYS_ADMIN", /CAP_SYS_ADMIN/],
    ["CAP_NET_RAW", /xdp eth0 queue 0: creating the AF_XDP socket .* needs root or CAP_NET_RAW/],
  ])("are not enough without %s, and the error names what is missing", async (dropped, message) => {
    // A non-root instance that stopped cleanly leaves libxdp's dispatcher attached (it cannot unpin it from
    // bpffs without more rights); start each case from a bare interface so the check below is about this case.
    await net.exec("sluice", ["ip", "link", "set", "dev", "eth0", "xdp", "off"], { check: false });
    const fewer = unitCapabilities.filter((c) => c !== dropped);
    // The default attach mode tries native, then generic: a native attempt that failed half-way must not leave
    // its program behind to hide the real cause behind "native and generic XDP can't be active at the same time".
    await expect(startProcess(net, "sluice", asUnprivileged(fewer, echo([])), 30_000)).rejects.toThrow(message);
    const link = await net.exec("sluice", ["ip", "-details", "link", "show", "dev", "eth0"]);
    expect(link.stdout).not.toMatch(/prog\/xdp/);
  });
});

describe("the agent unit's command line", () => {
  it("is one the real `sluice agent` accepts: without a token or credential it stops at the join, not at a flag", () => {
    const execStart = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(" ");
    expect(execStart.slice(0, 3)).toEqual(["/usr/bin/node", "/opt/sluice/apps/agent/bin/sluice.js", "agent"]);
    const stateDir = mkdtempSync(join(tmpdir(), "sluice-unit-"));
    try {
      // The env file's variables, with nothing that would listen on a fixed port or reach a network.
      const env: Record<string, string> = {
        SLUICE_CONTROL_PLANE: "http://127.0.0.1:1",
        SLUICE_NODE_NAME: "unit-check",
        SLUICE_METRICS_LISTEN: "127.0.0.1:0",
      };
      const argv = execStart
        .slice(2)
        .filter((arg, i, all) => arg !== "--token" && all[i - 1] !== "--token")
        .map((arg) => arg.replace(/^\$\{(\w+)\}$/, (_, name: string) => env[name] ?? `<unset ${name}>`))
        .map((arg) => (arg === "/var/lib/sluice" ? stateDir : arg));
      expect(argv.join(" ")).not.toContain("<unset");
      const result = spawnSync(process.execPath, [sluiceBin, ...argv], { encoding: "utf8", timeout: 60_000 });
      expect(result.stderr).toMatch(/has not joined a control plane yet .*pass --token/);
      expect(result.status).toBe(2);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
