// `sluice run --steer`: ntuple rules that keep the app's port on its queues of a real NIC, installed
// with ethtool before the instances start and removed when they stop. One queue gets a plain rule
// (`action Q`); several contiguous queues get an RSS context over them and a rule into it. Drivers
// without ntuple filters (veth, many virtual NICs) are refused with their driver named: RSS alone
// then spreads the flows (docs/data-path.md, "Flow steering").
import { spawnSync } from "node:child_process";
import { parseDriverInfo } from "../inventory/ethtool.js";

export class SteeringError extends Error {}

export interface SteeringRequest {
  iface: string;
  proto: "udp" | "tcp";
  ip: string;
  port: number;
  queues: number[];
}

export interface Steering {
  /** Removes the rule (and the RSS context) again; never throws. */
  remove(): void;
}

function ethtool(args: string[]): { ok: boolean; output: string } {
  const result = spawnSync("ethtool", args, { encoding: "utf8", timeout: 5000 });
  if (result.error) throw new SteeringError(`--steer needs ethtool: ${result.error.message}`);
  return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}`.trim() };
}

function driverOf(iface: string): string {
  const info = ethtool(["-i", iface]);
  return (info.ok && parseDriverInfo(info.output).driver) || "unknown";
}

function refuse(request: SteeringRequest, what: string, output: string): never {
  const said = output.split("\n").at(-1) ?? "";
  throw new SteeringError(
    `--steer: ${what} not supported by driver ${driverOf(request.iface)} on ${request.iface} (ethtool: ${said}); without --steer the NIC's RSS alone spreads the flows`,
  );
}

export function installSteering(request: SteeringRequest): Steering {
  const { iface, queues } = request;
  const first = queues[0]!;
  const contiguous = queues.every((queue, index) => queue === first + index);
  if (!contiguous) throw new SteeringError("--steer needs contiguous --queues (an RSS context spans a range)");
  const features = ethtool(["-k", iface]);
  const ntuple = /^ntuple-filters:.*$/m.exec(features.output)?.[0] ?? "no ntuple-filters feature";
  if (!ntuple.startsWith("ntuple-filters: on")) refuse(request, "ntuple filters are", ntuple);

  let context: string | undefined;
  if (queues.length > 1) {
    const created = ethtool(["-X", iface, "context", "new", "start", String(first), "equal", String(queues.length)]);
    context = /New RSS context is (\d+)/.exec(created.output)?.[1];
    if (!created.ok || context === undefined) refuse(request, "RSS contexts are", created.output);
  }
  const rule = ethtool([
    "-N",
    iface,
    "flow-type",
    `${request.proto}4`,
    "dst-ip",
    request.ip,
    "dst-port",
    String(request.port),
    ...(context === undefined ? ["action", String(first)] : ["context", context]),
  ]);
  const id = /Added rule with ID (\d+)/.exec(rule.output)?.[1];
  if (!rule.ok || id === undefined) {
    if (context !== undefined) ethtool(["-X", iface, "context", context, "delete"]);
    refuse(request, "this ntuple rule is", rule.output);
  }
  return {
    remove() {
      try {
        ethtool(["-N", iface, "delete", id]);
        if (context !== undefined) ethtool(["-X", iface, "context", context, "delete"]);
      } catch {
        // ethtool vanished while running; nothing else to do at stop.
      }
    },
  };
}
