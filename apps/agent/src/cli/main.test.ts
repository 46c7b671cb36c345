import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));
const sluice = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });

describe("sluice CLI", () => {
  it("prints the node summary as JSON", () => {
    const result = sluice("node", "--json");
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.backends).toHaveLength(3);
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
