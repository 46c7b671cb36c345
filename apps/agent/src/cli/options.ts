// Parsers for CLI flag values. Each throws UsageError with a message naming the flag and the
// expected shape, which the CLI prints as one line with exit code 2.
import { existsSync } from "node:fs";
import { UsageError } from "./exit-codes.js";

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const PCI = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;

export function parseIntegerFlag(flag: string, min: number, max: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${text}"`);
    }
    return Number(text);
  };
}

export function parsePositiveNumberFlag(flag: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0))
      throw new UsageError(`${flag} must be a positive number, got "${text}"`);
    return value;
  };
}

export function parseIpv4(flag: string, text: string): string {
  if (!IPV4.test(text)) throw new UsageError(`${flag} must be an IPv4 address A.B.C.D, got "${text}"`);
  return text;
}

export interface Cidr {
  address: string;
  prefixLength: number;
}

export function parseCidr(text: string): Cidr {
  const [address = "", prefix, extra] = text.split("/");
  if (
    prefix === undefined ||
    extra !== undefined ||
    !IPV4.test(address) ||
    !/^\d+$/.test(prefix) ||
    Number(prefix) > 32
  ) {
    throw new UsageError(`--ip must be A.B.C.D/LEN (for example 198.18.0.1/24), got "${text}"`);
  }
  if (Number(prefix) === 0) throw new UsageError(`--ip prefix length must be 1-32, got "${text}"`);
  return { address, prefixLength: Number(prefix) };
}

export function parseMac(text: string): string {
  if (!MAC.test(text)) throw new UsageError(`--mac must be six hex bytes like 02:00:00:00:00:01, got "${text}"`);
  return text.toLowerCase();
}

export interface Endpoint {
  address: string;
  port: number;
}

export function parseEndpoint(flag: string, text: string): Endpoint {
  const [address = "", port, extra] = text.split(":");
  if (port === undefined || extra !== undefined) throw new UsageError(`${flag} must be A.B.C.D:PORT, got "${text}"`);
  return { address: parseIpv4(flag, address), port: parseIntegerFlag(flag, 1, 65535)(port) };
}

export function parseChoice<T extends string>(flag: string, choices: readonly T[]) {
  return (text: string): T => {
    if (!(choices as readonly string[]).includes(text)) {
      throw new UsageError(`${flag} must be one of ${choices.join(", ")}, got "${text}"`);
    }
    return text as T;
  };
}

/** A network interface must exist before a device can bind to it; a PCI address is a DPDK port. */
export function checkInterface(name: string, backend: string): void {
  if (backend === "dpdk" && PCI.test(name)) return;
  if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(name)) throw new UsageError(`--iface "${name}" is not a valid interface name`);
  if (backend !== "tap" && !existsSync(`/sys/class/net/${name}`)) {
    throw new UsageError(`no network interface "${name}" (see \`ip link\`)`);
  }
}
