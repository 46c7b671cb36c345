// The agent's view of a node from inside a test host: the CLI, the addon and the harness together.
import { fileURLToPath } from "node:url";
import { withNetwork } from "@sluice/netns";
import { describe, expect, it } from "vitest";

const sluiceBin = fileURLToPath(import.meta.resolve("@sluice/agent").replace(/dist\/index\.js$/, "bin/sluice.js"));

describe("sluice inside a test host", () => {
  it("runs, sees only the host's namespace, and reports usable backends", async () => {
    await withNetwork({ hosts: ["node", "peer"] }, async (net) => {
      const result = await net.exec("node", [process.execPath, sluiceBin, "node", "--json"]);
      const summary = JSON.parse(result.stdout) as { backends: { backend: string; usable: boolean }[] };
      expect(summary.backends.find((b) => b.backend === "xdp")?.usable).toBe(true);
      const links = await net.exec("node", ["ip", "-o", "link"]);
      expect(links.stdout).toMatch(/eth0@/);
      expect(links.stdout.trim().split("\n")).toHaveLength(2);
    });
  });
});
