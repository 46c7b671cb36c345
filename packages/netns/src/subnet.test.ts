import { describe, expect, it } from "vitest";
import { hostAddress, parseIpv4, parseTestSubnet } from "./subnet.js";

describe("test subnets", () => {
  it("hands out addresses in order inside the subnet", () => {
    const subnet = parseTestSubnet("198.19.4.0/24");
    expect(hostAddress(subnet, 0)).toBe("198.19.4.1");
    expect(hostAddress(subnet, 253)).toBe("198.19.4.254");
    expect(() => hostAddress(subnet, 254)).toThrow(/does not fit/);
  });

  it("refuses anything outside 198.18.0.0/15", () => {
    expect(() => parseTestSubnet("10.0.0.0/24")).toThrow(/outside 198.18.0.0\/15/);
    expect(() => parseTestSubnet("198.20.0.0/24")).toThrow(/outside/);
    expect(() => parseTestSubnet("198.18.0.0/8")).toThrow(/between 15 and 30/);
  });

  it("rejects malformed addresses", () => {
    expect(() => parseIpv4("198.18.0")).toThrow(/not an IPv4 address/);
    expect(() => parseIpv4("198.18.0.256")).toThrow(/not an IPv4 address/);
  });
});
