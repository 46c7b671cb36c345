// `sluice run APP --impl ts`: the app from @sluice/apps-ts on the LibOS queue API, configured from
// the same instance flags as the native apps (translated to the LibOS configuration schema).
import { startEcho, startRequestServer, TS_APPS } from "@sluice/apps-ts";
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

export interface TsAppFlags extends InstanceFlags {
  proto: "udp" | "tcp";
  port: number;
  kvMaxKeys?: number;
  kvMaxMemory?: number;
}

export function startTsApp(app: string, flags: TsAppFlags): RunningTsApp {
  if (!(TS_APPS as readonly string[]).includes(app)) {
    throw new UsageError(`--impl ts has only: ${TS_APPS.join(", ")} (got ${app})`);
  }
  if ((app === "kv" || app === "http") && flags.proto !== "tcp") {
    throw new UsageError(`${app} runs over tcp: add --proto tcp`);
  }
  const config = libosConfigFrom(flags);
  const libos = Libos.init(config, { busyPoll: flags.busyPoll });
  const address = config.ipv4.split("/")[0] ?? "0.0.0.0";
  const listen = { ip: "0.0.0.0", port: flags.port };
  try {
    if (app === "kv" || app === "http") {
      const server = startRequestServer(libos, app, listen, {
        ...(flags.tcpConnections === undefined ? {} : { connections: flags.tcpConnections }),
        ...(flags.kvMaxKeys === undefined ? {} : { kvMaxKeys: flags.kvMaxKeys }),
        ...(flags.kvMaxMemory === undefined ? {} : { kvMaxMemoryMiB: flags.kvMaxMemory }),
      });
      return {
        address,
        stop() {
          server.stop();
          const counters = server.counters(); // before shutdown: the stack's groups go with it
          libos.shutdown();
          return counters;
        },
      };
    }
    const echo = startEcho(libos, flags.proto, listen);
    return {
      address,
      stop() {
        echo.stop();
        libos.shutdown();
        return { echo: { ...echo.counters } };
      },
    };
  } catch (error) {
    libos.shutdown(); // e.g. a bad --kv-max-memory: release the device before reporting
    throw error;
  }
}
