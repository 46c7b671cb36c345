// The typed surface of the queue API: tokens, addresses, results, configuration.
import { constants } from "node:os";
import { LibosError, type LibosErrorCode } from "../errors.js";

/**
 * Names one asynchronous operation. A bigint because the native token carries the operation slot's
 * generation in its upper 32 bits, beyond a double's exact range; treat it as opaque.
 */
export type QToken = bigint & { readonly __qtoken?: never };

/** An IPv4 endpoint. */
export interface Address {
  ip: string;
  port: number;
}

export type QResult =
  | { opcode: "accept"; qd: number; qt: QToken; accepted: { qd: number; address: Address } }
  | { opcode: "connect"; qd: number; qt: QToken }
  | { opcode: "push"; qd: number; qt: QToken }
  | { opcode: "pushto"; qd: number; qt: QToken }
  /**
   * `data` is a LibOS buffer (zero-copy over pool memory): give it back with `libos.release(data)`
   * (or let GC do it), or push it as is. null means end of stream (TCP). `from` is the sender.
   */
  | { opcode: "pop"; qd: number; qt: QToken; data: Uint8Array | null; from: Address };

export type Opcode = QResult["opcode"];

/** Native opcode numbers (sl_opcode_t) to names. */
export const OPCODES: readonly (Opcode | undefined)[] = [undefined, "push", "pushto", "pop", "accept", "connect"];

/** The LibOS configuration (docs/libos-config.md); JSON text or a file path are accepted as well. */
export interface LibosConfig {
  backend: "xdp" | "dpdk" | "tap" | "sim" | "kernel";
  interface?: string;
  queue?: number;
  core?: number;
  ipv4: string;
  gateway?: string;
  mac?: string;
  arp?: { ip: string; mac: string }[];
  mtu?: number;
  mss?: number;
  rx_checksum?: "verify" | "accept-partial" | "skip";
  tcp?: {
    nodelay?: boolean;
    keepalive?: boolean;
    linger?: number;
    congestion?: "cubic" | "newreno";
    send_buffer?: number;
    receive_buffer?: number;
    time_wait_ms?: number;
    max_connections?: number;
  };
  device?: {
    xdp_mode?: "auto" | "drv" | "skb";
    busy_poll?: boolean;
    ring_size?: number;
    frame_count?: number;
    dpdk_args?: string[];
  };
  libos?: Record<string, number>;
  sim?: { wire?: string; seed?: number; delay_us?: number };
}

// Conversions are memoised (bounded): a UDP server converts the same few peers on every datagram.
const numbers = new Map<string, number>();
const strings = new Map<number, string>();
const MEMO_LIMIT = 4096;

export function ipToNumber(ip: string): number {
  const known = numbers.get(ip);
  if (known !== undefined) return known;
  const value = parseIp(ip);
  if (numbers.size >= MEMO_LIMIT) numbers.clear();
  numbers.set(ip, value);
  return value;
}

function parseIp(ip: string): number {
  const parts = ip.split(".");
  const octets = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
  if (octets.length !== 4 || octets.some((octet) => !(octet <= 255))) {
    throw new LibosError("EINVAL", `"${ip}" is not an IPv4 address`);
  }
  return ((octets[0] ?? 0) * 2 ** 24 + (octets[1] ?? 0) * 2 ** 16 + (octets[2] ?? 0) * 2 ** 8 + (octets[3] ?? 0)) >>> 0;
}

export function ipToString(ip: number): string {
  let text = strings.get(ip);
  if (text === undefined) {
    text = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
    if (strings.size >= MEMO_LIMIT) strings.clear();
    strings.set(ip, text);
  }
  return text;
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, value]) => [value, name]));

/** A LibosError for a native -errno result. */
export function errnoError(errno: number, what: string): LibosError {
  const code = (ERRNO_NAMES.get(errno) ?? "EIO") as LibosErrorCode;
  return new LibosError(code, `${what}: ${code}`);
}
