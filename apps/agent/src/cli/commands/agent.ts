// `sluice agent --control-plane URL --token TOKEN [--name NAME] [--state-dir DIR]
//   [--metrics-listen HOST:PORT] [--heartbeat-interval S]`: the node agent daemon. Runs until
// SIGINT/SIGTERM, then leaves its instances running for the next agent and exits 0. A refused join
// token or an unusable credential file exits 1 with the reason; usage mistakes exit 2.
import type { Command } from "commander";
import { AgentDaemon, NotJoinedError } from "../../daemon/agent-daemon.js";
import { jsonLogger } from "../../daemon/log.js";
import { UsageError } from "../exit-codes.js";
import { parseIntegerFlag, parsePositiveNumberFlag } from "../options.js";
import { addStateDirOption, type StateDirFlags } from "../state-dir-option.js";

interface AgentFlags extends StateDirFlags {
  controlPlane: string;
  token?: string;
  name?: string;
  metricsListen?: { host: string; port: number };
  heartbeatInterval: number;
  allowSharedCores?: boolean;
}

export function parseListen(text: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d+)$/.exec(text);
  if (!match) throw new UsageError(`--metrics-listen must be HOST:PORT (for example 127.0.0.1:9464), got "${text}"`);
  const port = parseIntegerFlag("--metrics-listen port", 0, 65535)(match[2]!);
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
}

function parseControlPlane(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--control-plane must be a URL like http://control-plane:3000, got "${text}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--control-plane must be http:// or https://, got "${text}"`);
  }
  return url.toString().replace(/\/+$/, "");
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

export function registerAgentCommand(program: Command): void {
  addStateDirOption(
    program
      .command("agent")
      .description("run the node agent: join, heartbeat, run the desired instances, report stats")
      .requiredOption("--control-plane <url>", "the control plane's base URL", parseControlPlane)
      .option("--token <token>", "one-time join token (ignored once the node has its credential)")
      .option("--name <name>", "node name to report (default: the hostname)")
      .option("--metrics-listen <host:port>", "serve Prometheus metrics at http://HOST:PORT/metrics", parseListen)
      .option(
        "--heartbeat-interval <seconds>",
        "seconds between heartbeats",
        parsePositiveNumberFlag("--heartbeat-interval"),
        5,
      )
      .option("--allow-shared-cores", "start instances even on cores another process is pinned to"),
  ).action(async (flags: AgentFlags) => {
    const logger = jsonLogger();
    const daemon = new AgentDaemon({
      controlPlane: flags.controlPlane,
      token: flags.token,
      name: flags.name,
      stateDir: flags.stateDir,
      metricsListen: flags.metricsListen,
      heartbeatIntervalMs: flags.heartbeatInterval * 1000,
      allowSharedCores: flags.allowSharedCores,
      logger,
    });
    const signal = waitForSignal();
    const started = daemon.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    const first = await Promise.race([signal.then(() => "signal" as const), started]);
    if (first !== "signal" && first !== undefined) {
      if (first instanceof NotJoinedError) throw new UsageError(first.message);
      logger.error("agent cannot start", { error: first instanceof Error ? first.message : String(first) });
      throw first;
    }
    const received = first === "signal" ? "signal" : await signal;
    logger.info("stopping; instances keep running for the next agent", { signal: received });
    await daemon.stop();
    // A request still in flight to an unreachable control plane must not hold the exit up.
    setTimeout(() => process.exit(), 2000).unref();
  });
}
