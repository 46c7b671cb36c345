// Shared by the transparent-acceleration tests: programs started in a test host under
// `sluice accelerate` (or on the kernel), their ready line, and the JSON summary they print last.
import { fileURLToPath } from "node:url";
import type { Network } from "@sluice/netns";
import { sluiceBin } from "./sluice-process.js";

const release = new URL("../../../packages/native/build/release/", import.meta.url);
/** The C probe programs of packages/native/preload/test (plain POSIX sockets, no Sluice in them). */
export const probeBin = fileURLToPath(new URL("sockets_probe", release));
export const epollProbeBin = fileURLToPath(new URL("epoll_probe", release));

export interface Run {
  ready: Promise<string>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts argv in a host; `ready` resolves with its first output line (stdout or stderr) that
 *  starts with `ready` (a string) or matches it (a RegExp), `done` when it exits. */
export function start(net: Network, host: string, argv: string[], ready: string | RegExp = "ready "): Run {
  const child = net.spawn(host, argv);
  let stdout = "";
  let stderr = "";
  let resolveReady: (line: string) => void = () => {};
  const isReady = (line: string) => (typeof ready === "string" ? line.startsWith(ready) : ready.test(line));
  const readyLine = new Promise<string>((resolve, reject) => {
    resolveReady = resolve;
    child.on("exit", (code) => reject(new Error(`${argv.join(" ")} exited with ${code} before ready: ${stderr}`)));
  });
  readyLine.catch(() => {});
  const look = (text: string) => {
    const line = text.split("\n").find(isReady);
    if (line) resolveReady(line);
  };
  child.stdout!.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
    look(stdout);
  });
  child.stderr!.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
    look(stderr);
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stdout, stderr })),
  );
  return { ready: readyLine, done, kill: (signal: NodeJS.Signals) => child.kill(signal) };
}

/** The JSON summary a probe run printed last. */
export function summary(stdout: string): unknown {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!);
}

/** `sluice accelerate` over AF_XDP on the host's eth0 (its kernel address flushed first), sleeping
 *  when idle so the shared test machine's cores stay free; the program's argv follows. */
export async function accelerateCommand(net: Network, host: string, extra: string[] = []): Promise<string[]> {
  await net.exec(host, ["ip", "addr", "flush", "dev", "eth0"]);
  const h = net.host(host);
  return [
    process.execPath,
    sluiceBin,
    "accelerate",
    "--backend",
    "xdp",
    "--iface",
    h.iface,
    "--ip",
    `${h.ip}/${h.prefixLength}`,
    "--no-busy-poll",
    ...extra,
    "--",
  ];
}
