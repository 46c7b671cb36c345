import { describe, expect, it } from "vitest";
import { z } from "zod";
import { desiredState, exampleInventory, heartbeat, nodeInventory, statsBatch } from "./index.js";

describe("node inventory", () => {
  it("accepts a two-socket SMT machine and keeps every field", () => {
    const inventory = exampleInventory({ hostname: "edge-1", numaNodes: 2, coresPerNuma: 2, threadsPerCore: 2 });
    const parsed = nodeInventory.parse(inventory);
    expect(parsed).toEqual(inventory);
    expect(parsed.cpus).toHaveLength(8);
    // CPU 1 (NUMA 0) pairs with CPU 5; CPU 2 is on NUMA 1.
    expect(parsed.cpus[1]).toMatchObject({ cpu: 1, numaNode: 0, smtSiblings: [5] });
    expect(parsed.cpus[2]?.numaNode).toBe(1);
  });

  it("names the field of each error", () => {
    const inventory = exampleInventory({ hostname: "edge-1" });
    const broken = {
      ...inventory,
      nics: [{ ...inventory.nics[0], mac: "02:00:00:00:00:ZZ", queueCount: 0 }],
    };
    const result = nodeInventory.safeParse(broken);
    expect(result.success).toBe(false);
    const fields = z.flattenError(result.error!).fieldErrors;
    expect(Object.keys(fields)).toEqual(["nics"]);
    const paths = result.error!.issues.map((issue) => issue.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["nics.0.mac", "nics.0.queueCount"]));
  });

  it("rejects duplicate NICs and siblings that are not listed CPUs", () => {
    const inventory = exampleInventory({ hostname: "edge-1", nics: [{ name: "eth0" }, { name: "eth0" }] });
    inventory.cpus[0]!.smtSiblings = [99];
    const result = nodeInventory.safeParse(inventory);
    const messages = result.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    expect(messages).toEqual([
      "nics.1.name: NIC eth0 is listed twice",
      "cpus.0.smtSiblings: CPU 0 names sibling 99, which is not another listed CPU",
    ]);
  });
});

describe("agent messages", () => {
  it("defaults a heartbeat's instance list to empty", () => {
    const parsed = heartbeat.parse({ inventory: exampleInventory({ hostname: "a" }) });
    expect(parsed.instances).toEqual([]);
  });

  it("requires a uuid node id in desired state", () => {
    expect(desiredState.safeParse({ nodeId: "node-1", instances: [] }).success).toBe(false);
  });

  it("coerces sample timestamps and rejects negative counters", () => {
    const sample = {
      instanceId: "7f2c1f7e-8a4b-4c55-9a9e-0c1d2e3f4a5b",
      at: "2025-01-01T00:00:00Z",
      rxPackets: 1,
      txPackets: 2,
      rxBytes: 64,
      txBytes: 128,
      drops: 0,
    };
    expect(statsBatch.parse({ samples: [sample] }).samples[0]?.at).toEqual(new Date("2025-01-01T00:00:00Z"));
    expect(statsBatch.safeParse({ samples: [{ ...sample, drops: -1 }] }).success).toBe(false);
    expect(statsBatch.safeParse({ samples: [] }).success).toBe(false);
  });
});
