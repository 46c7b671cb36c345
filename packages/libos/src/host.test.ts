import { describe, expect, it } from "vitest";
import { LibosError } from "./errors.js";
import { internetChecksum, nativeVersions, probeBackends } from "./host.js";

function referenceChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

describe("host facts through the addon", () => {
  it("computes the same checksum as a reference implementation", () => {
    for (let length = 0; length < 300; length += 13) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + length) & 0xff);
      expect(internetChecksum(bytes)).toBe(referenceChecksum(bytes));
    }
  });

  it("turns a bad argument into a LibosError with an errno-style code", () => {
    const call = () => internetChecksum("not bytes" as unknown as Uint8Array);
    expect(call).toThrow(LibosError);
    expect(call).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("reports every backend, with a reason exactly when it is unusable", () => {
    const backends = probeBackends();
    expect(backends.map((b) => b.backend).sort()).toEqual(["kernel", "tap", "xdp"]);
    for (const b of backends) expect(b.usable).toBe(b.reason === "");
  });

  it("reports the versions of the linked data-path libraries", () => {
    const versions = nativeVersions();
    expect(versions.napi).toBeLessThanOrEqual(9);
    expect(versions.liburing).toMatch(/^\d+\.\d+/);
    expect(versions.libxdp).toMatch(/^\d+\.\d+/);
  });
});
