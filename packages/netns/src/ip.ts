// Thin wrappers over iproute2 and friends. Synchronous variants exist for exit handlers, where
// nothing asynchronous runs any more.
import { spawn, spawnSync } from "node:child_process";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: CommandResult,
  ) {
    super(`\`${argv.join(" ")}\` exited with ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = "CommandError";
  }
}

export function runSync(argv: string[], { check = true } = {}): CommandResult {
  const [command, ...args] = argv;
  const out = spawnSync(command!, args, { encoding: "utf8" });
  if (out.error) throw new Error(`could not run ${command}: ${out.error.message}`);
  const result = { code: out.status ?? 128, stdout: out.stdout, stderr: out.stderr };
  if (check && result.code !== 0) throw new CommandError(argv, result);
  return result;
}

export interface RunOptions {
  check?: boolean;
  timeoutMs?: number;
  input?: string;
}

export function run(
  argv: string[],
  { check = true, timeoutMs = 60_000, input }: RunOptions = {},
): Promise<CommandResult> {
  const [command, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${command}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? 128, stdout, stderr: signal === "SIGKILL" ? `${stderr}(timed out)` : stderr };
      if (check && result.code !== 0) reject(new CommandError(argv, result));
      else resolve(result);
    });
    if (input !== undefined) {
      // A command may exit before reading its input; that is its business, not an error here.
      child.stdin!.on("error", () => {});
      child.stdin!.end(input);
    }
  });
}

export function listNamespaces(): string[] {
  return runSync(["ip", "netns", "list"])
    .stdout.split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.length > 0);
}

/** Kills every process inside a namespace, then deletes it (which removes its interfaces). */
export function deleteNamespaceSync(name: string): void {
  const pids = runSync(["ip", "netns", "pids", name], { check: false }).stdout.split(/\s+/).filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
  runSync(["ip", "netns", "del", name], { check: false });
}
