// The systemd units pass `systemd-analyze verify` (systemd's own parser: unknown keys and sections, bad
// values, dependency cycles, ExecStart= binaries that do not exist) and keep the properties the agent's
// design depends on. The units name /usr/bin/node; the copies checked here point at this Node instead,
// so the check does not depend on where Node is installed. No unit is started: that needs systemd as
// PID 1, which test machines (containers) do not have.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const units = join(dirname(fileURLToPath(import.meta.url)), "..", "systemd");
const scratch = mkdtempSync(join(tmpdir(), "sluice-units-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const systemdVersion = Number(
  /systemd (\d+)/.exec(spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" }).stdout ?? "")?.[1],
);

/** Unit text → key → values (a key may repeat). */
function keys(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match) map.set(match[1]!, [...(map.get(match[1]!) ?? []), match[2]!]);
  }
  return map;
}

function verify(name: string, text = readFileSync(join(units, name), "utf8")) {
  const copy = join(scratch, name);
  writeFileSync(copy, text.replaceAll("/usr/bin/node", process.execPath));
  const result = spawnSync("systemd-analyze", ["verify", "--man=no", copy], { encoding: "utf8" });
  if (result.error) throw new Error(`systemd-analyze is missing (Debian package systemd): ${result.error.message}`);
  // Keys that systemd 254 introduced are reported, and ignored, by older versions.
  const newerKeys = systemdVersion < 254 ? /Unknown key '(RestartSteps|RestartMaxDelaySec)'/ : /^$/;
  const complaints = `${result.stdout}${result.stderr}`
    .split("\n")
    .filter((line) => line.trim() !== "" && !newerKeys.test(line));
  return { status: result.status, complaints };
}

describe.each(["sluice-control-plane.service", "sluice-agent.service"])("%s", (name) => {
  it("passes systemd-analyze verify with no complaint", () => {
    expect(verify(name)).toEqual({ status: 0, complaints: [] });
  });
});

describe("the verification", () => {
  it("would catch a misspelt key and a missing program", () => {
    const text = readFileSync(join(units, "sluice-agent.service"), "utf8");
    const typo = verify("typo.service", text.replace("NoNewPrivileges=", "NoNewPrivilege="));
    expect(typo.complaints.join("\n")).toMatch(/Unknown key 'NoNewPrivilege'/);
    const missing = verify("missing.service", text.replace("/usr/bin/node", "/nonexistent/node"));
    expect(missing.status).not.toBe(0);
    expect(missing.complaints.join("\n")).toMatch(/nonexistent\/node is not executable/);
  });
});

describe("the agent unit", () => {
  const agent = keys(readFileSync(join(units, "sluice-agent.service"), "utf8"));

  it("grants its instances the bounded capabilities as ambient ones, and unlimited locked memory", () => {
    expect(agent.get("AmbientCapabilities")).toEqual(agent.get("CapabilityBoundingSet"));
    expect(agent.get("CapabilityBoundingSet")![0]!.split(" ").sort()).toEqual([
      "CAP_IPC_LOCK",
      "CAP_NET_ADMIN",
      "CAP_NET_RAW",
      "CAP_SYS_ADMIN",
    ]);
    expect(agent.get("LimitMEMLOCK")).toEqual(["infinity"]);
    expect(agent.get("User")).toEqual(["sluice"]);
  });

  it("lets instances survive an agent restart (they are adopted) and always restarts the agent", () => {
    expect(agent.get("KillMode")).toEqual(["process"]);
    expect(agent.get("Restart")).toEqual(["always"]);
    expect(agent.get("ExecStart")![0]).toMatch(/ agent --control-plane .* --token .* --state-dir \/var\/lib\/sluice/);
  });
});

describe("the control-plane unit", () => {
  const web = keys(readFileSync(join(units, "sluice-control-plane.service"), "utf8"));

  it("runs as a dynamic user with no capabilities, its state in its own StateDirectory", () => {
    expect(web.get("DynamicUser")).toEqual(["yes"]);
    expect(web.get("CapabilityBoundingSet")).toEqual([""]);
    expect(web.get("ProtectSystem")).toEqual(["strict"]);
    expect(web.get("StateDirectory")).toEqual(["sluice-control-plane"]);
    expect(web.get("Environment")!.join(" ")).toContain("SLUICE_STATE_DIR=/var/lib/sluice-control-plane");
    expect(web.get("EnvironmentFile")).toEqual(["-/etc/sluice/control-plane.env"]);
  });
});
