// `sluice run APP --impl ts`: the app from @sluice/apps-ts on the LibOS queue API, configured from
// the same instance flags as the native apps (translated to the LibOS configuration schema).
import { startEcho, TS_APPS } from "@sluice/apps-ts";
import { Libos, type LibosConfig } from "@sluice/libos";
import { UsageError } from "./exit-codes.js";
import type { InstanceFlags } from "./instance-options.js";
import { instanceConfigFrom } from "./instance-options.js";

export interface RunningTsApp {
  address: string;
  stop(): Record<string, Record<string, number>>;
}

/** The LibOS configuration the instance flags describe. */
export function libosConfigFrom(flags: InstanceFlags): LibosConfig {
  if (flags.statsFile !== undefined) throw new UsageError("--stats-file is not supported with --impl ts");
  const instance = instanceConfigFrom(flags);
  if (!instance) throw new UsageError("--impl ts runs on a Sluice backend (xdp, dpdk, tap), not kernel");
  return {
    backend: instance.backend as LibosConfig["backend"],
    interface: instance.iface,
    queue: instance.queue,
    ...(instance.core === undefined ? {} : { core: instance.core }),
    ipv4: `${instance.ip}/${instance.prefixLength}`,
    ...(instance.gateway ? { gateway: instance.gateway } : {}),
    ...(instance.mac ? { mac: instance.mac } : {}),
    rx_checksum: instance.rxChecksum,
    tcp: { max_connections: instance.tcpConnections, send_buffer: instance.tcpBuffer },
    device: {
      xdp_mode: instance.xdpMode,
      busy_poll: instance.busyPoll,
      ...(instance.pcap ? { pcap: instance.pcap } : {}),
      ...(instance.fault ? { fault: instance.fault } : {}),
      ...(instance.dpdkVdev ? { dpdk_vdev: instance.dpdkVdev } : {}),
    },
  } as LibosConfig;
}

export function startTsApp(app: string, flags: InstanceFlags & { proto: "udp" | "tcp"; port: number }): RunningTsApp {
  if (!(TS_APPS as readonly string[]).includes(app)) {
    throw new UsageError(`--impl ts has only: ${TS_APPS.join(", ")} (got ${app})`);
  }
  const config = libosConfigFrom(flags);
  const libos = Libos.init(config, { busyPoll: flags.busyPoll });
  const echo = startEcho(libos, flags.proto, { ip: "0.0.0.0", port: flags.port });
  return {
    address: config.ipv4.split("/")[0] ?? "0.0.0.0",
    stop() {
      echo.stop();
      libos.shutdown();
      return { echo: { ...echo.counters } };
    },
  };
}
