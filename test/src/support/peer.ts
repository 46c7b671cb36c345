// Real Linux peers used by the tests: ping, UDP exchanges through Node's dgram in the peer namespace.
import { fileURLToPath } from "node:url";
import type { Network } from "@sluice/netns";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface UdpExchangeResult {
  sent: number;
  echoed: number;
  mismatched: number;
  missing: number[];
}

export async function udpExchange(
  net: Network,
  from: string,
  target: string,
  port: number,
  min = 1,
  max = 1472,
): Promise<UdpExchangeResult> {
  const out = await net.exec(
    from,
    [process.execPath, fixture("udp-exchange.mjs"), target, String(port), String(min), String(max)],
    {
      timeoutMs: 120_000,
    },
  );
  return JSON.parse(out.stdout.trim()) as UdpExchangeResult;
}

export async function udpClosedPort(net: Network, from: string, target: string, port: number): Promise<string> {
  const out = await net.exec(from, [process.execPath, fixture("udp-closed-port.mjs"), target, String(port)]);
  return out.stdout.trim();
}

export async function ping(net: Network, from: string, target: string, count: number, extra: string[] = []) {
  const out = await net.exec(from, ["ping", "-c", String(count), "-i", "0.01", "-W", "1", ...extra, target], {
    check: false,
    timeoutMs: 60_000,
  });
  const match = /(\d+) packets transmitted, (\d+) received/.exec(out.stdout);
  return { transmitted: Number(match?.[1] ?? 0), received: Number(match?.[2] ?? 0), output: out.stdout };
}

export async function neighbourMac(net: Network, host: string, address: string): Promise<string | undefined> {
  const out = await net.exec(host, ["ip", "-j", "neigh", "show", address]);
  const [entry] = JSON.parse(out.stdout || "[]") as Array<{ lladdr?: string }>;
  return entry?.lladdr;
}
