// Test addresses must stay inside 198.18.0.0/15 (RFC 2544 benchmarking space).
const TEST_RANGE_BASE = (198 << 24) | (18 << 16);
const TEST_RANGE_PREFIX = 15;

export interface Subnet {
  base: number;
  prefixLength: number;
  /** Usable host addresses (network and broadcast excluded). */
  capacity: number;
}

export function parseIpv4(text: string): number {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`"${text}" is not an IPv4 address`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0) >>> 0;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join(".");
}

function mask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

export function parseTestSubnet(cidr: string): Subnet {
  const [address, prefixText] = cidr.split("/");
  const prefixLength = Number(prefixText);
  if (!address || !Number.isInteger(prefixLength) || prefixLength < TEST_RANGE_PREFIX || prefixLength > 30) {
    throw new Error(`"${cidr}" must be A.B.C.D/N with N between ${TEST_RANGE_PREFIX} and 30`);
  }
  const base = (parseIpv4(address) & mask(prefixLength)) >>> 0;
  if ((base & mask(TEST_RANGE_PREFIX)) >>> 0 !== TEST_RANGE_BASE >>> 0) {
    throw new Error(`"${cidr}" is outside 198.18.0.0/15, the only range tests may use`);
  }
  return { base, prefixLength, capacity: 2 ** (32 - prefixLength) - 2 };
}

export function hostAddress(subnet: Subnet, index: number): string {
  if (index < 0 || index >= subnet.capacity) throw new Error(`host index ${index} does not fit the subnet`);
  return formatIpv4(subnet.base + index + 1);
}
