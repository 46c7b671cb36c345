import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../../test-fixtures/${name}`, import.meta.url));
const sluice = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });

describe("sluice CLI", () => {
  it("prints the node summary as JSON", () => {
    const result = sluice("node", "--json");
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.backends.map((b: { backend: string }) => b.backend)).toEqual(["xdp", "dpdk", "tap", "kernel"]);
    expect(summary.cpus.online.length).toBeGreaterThan(0);
  });

  it("prints a readable node table and a NIC table", () => {
    const node = sluice("node");
    expect(node.status).toBe(0);
    expect(node.stdout).toMatch(/^kernel {5}\d+\.\d+/m);
    expect(node.stdout).toMatch(/^BACKEND +USABLE +WHY$/m);
    const nics = sluice("nics", "--root", fixture("server"));
    expect(nics.status).toBe(0);
    expect(nics.stdout.split("\n")[0]).toMatch(/^NAME +DRIVER +PCI +STATE/);
    expect(nics.stdout).toMatch(/^ens1f0 +ice +0000:81:00\.0 +up +100000Mb\/s +9000 +16\/64 +16\/64 +1 +native +vdev/m);
  });

  it("prints NICs as one JSON object with unknown facts as null", () => {
    const result = sluice("nics", "--json", "--root", fixture("vm"));
    expect(result.status).toBe(0);
    const { nics } = JSON.parse(result.stdout);
    expect(nics.find((n: { name: string }) => n.name === "lo").numaNode).toBeNull();
  });

  it("exits 2 with one line for a --root that is not a system tree", () => {
    const result = sluice("node", "--root", "/nonexistent");
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("sluice: --root /nonexistent has no sys/ directory to read\n");
  });

  it("exits 2 with a one-line error for an unknown flag", () => {
    const result = sluice("node", "--bogus");
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")[0]).toMatch(/unknown option '--bogus'/);
  });

  it("exits 2 for an unknown command and suggests the closest", () => {
    const result = sluice("nod");
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'nod'/);
    expect(result.stderr).toMatch(/Did you mean node\?/);
  });
});
