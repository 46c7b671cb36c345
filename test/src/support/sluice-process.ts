// Starts `sluice` inside a test host, waits for its ready line, and stops it like an operator would.
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Network } from "@sluice/netns";

export const sluiceBin = fileURLToPath(
  import.meta.resolve("@sluice/agent").replace(/dist\/index\.js$/, "bin/sluice.js"),
);

export interface SluiceProcess {
  child: ChildProcess;
  readyLine: string;
  /** Sends SIGINT and resolves with the exit code, the counters it printed, and all its output. */
  stop(signal?: NodeJS.Signals): Promise<StopResult>;
}

export interface StopResult {
  code: number | null;
  counters: Record<string, Record<string, number>> | undefined;
  stdout: string;
  stderr: string;
  stoppedInMs: number;
}

export async function startSluice(
  net: Network,
  host: string,
  args: string[],
  timeoutMs = 20_000,
): Promise<SluiceProcess> {
  return startProcess(net, host, [process.execPath, sluiceBin, ...args], timeoutMs);
}

/** Any server that prints a `ready ...` line and stops on SIGINT (the sluice CLI, the C examples). */
export async function startProcess(
  net: Network,
  host: string,
  argv: string[],
  timeoutMs = 20_000,
): Promise<SluiceProcess> {
  const args = argv.slice(1);
  const child = net.spawn(host, argv);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr!.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${argv[0]} ${args.join(" ")} not ready in ${timeoutMs} ms: ${stderr}`)),
      timeoutMs,
    );
    const check = () => {
      const line = stdout.split("\n").find((l) => l.startsWith("ready "));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    child.stdout!.on("data", check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${argv[0]} exited with ${code} before ready: ${stderr.trim()}`));
    });
  });
  return {
    child,
    readyLine,
    async stop(signal: NodeJS.Signals = "SIGINT") {
      const started = Date.now();
      child.kill(signal);
      const code = await exited;
      const countersLine = stdout.split("\n").find((l) => l.startsWith("counters "));
      return {
        code,
        counters: countersLine ? JSON.parse(countersLine.slice("counters ".length)) : undefined,
        stdout,
        stderr,
        stoppedInMs: Date.now() - started,
      };
    },
  };
}
