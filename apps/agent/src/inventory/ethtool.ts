// What sysfs does not say about a NIC: its maximum channel counts (`ethtool -l`) and, for virtual
// devices without a `device/driver` link (veth, tun), the driver name (`ethtool -i`). The source is
// an interface so recorded trees carry recorded ethtool output next to their sysfs files.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface EthtoolSource {
  /** `ethtool -l IFACE` output, or undefined when ethtool is missing or the driver does not say. */
  channels(iface: string): string | undefined;
  /** `ethtool -i IFACE` output, or undefined. */
  driverInfo(iface: string): string | undefined;
}

export interface ChannelCounts {
  rx?: number;
  tx?: number;
  other?: number;
  combined?: number;
}

export interface Channels {
  max: ChannelCounts;
  current: ChannelCounts;
}

function runEthtool(args: string[]): string | undefined {
  const result = spawnSync("ethtool", args, { encoding: "utf8", timeout: 2000 });
  return result.status === 0 ? result.stdout : undefined;
}

export const systemEthtool: EthtoolSource = {
  channels: (iface) => runEthtool(["-l", iface]),
  driverInfo: (iface) => runEthtool(["-i", iface]),
};

/** Reads `ethtool/IFACE-l.txt` and `ethtool/IFACE-i.txt` recorded in a fixture tree. */
export function recordedEthtool(root: string): EthtoolSource {
  const read = (file: string) => {
    try {
      return readFileSync(join(root, "ethtool", file), "utf8");
    } catch {
      return undefined;
    }
  };
  return { channels: (iface) => read(`${iface}-l.txt`), driverInfo: (iface) => read(`${iface}-i.txt`) };
}

export const noEthtool: EthtoolSource = { channels: () => undefined, driverInfo: () => undefined };

const CHANNEL_KEYS: Record<string, keyof ChannelCounts> = { RX: "rx", TX: "tx", Other: "other", Combined: "combined" };

export function parseChannels(text: string): Channels | undefined {
  const channels: Channels = { max: {}, current: {} };
  let section: ChannelCounts | undefined;
  let found = false;
  for (const line of text.split("\n")) {
    if (/^Pre-set maximums:/.test(line)) section = channels.max;
    else if (/^Current hardware settings:/.test(line)) section = channels.current;
    const match = /^\s*(RX|TX|Other|Combined):\s+(\d+)\s*$/.exec(line);
    if (section && match) {
      section[CHANNEL_KEYS[match[1]!]!] = Number(match[2]);
      found = true;
    }
  }
  return found ? channels : undefined;
}

export function parseDriverInfo(text: string): { driver?: string; busInfo?: string } {
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)\\s*$`, "m").exec(text)?.[1];
  return { driver: field("driver"), busInfo: field("bus-info") };
}
