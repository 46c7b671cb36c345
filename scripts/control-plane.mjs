// Starts the control plane (apps/web/server.mjs: the Next.js app plus the direct path for agent calls on one
// port, see docs/architecture.md; embedded PGlite unless DATABASE_URL is set) as a child process and tells when
// it is ready. `npm start`, the demo fleet and the end-to-end test all start it here, so a
// change in how the server process is started is made once.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * @param {{ host?: string, port: number, env?: Record<string, string | undefined>, onLine?: (line: string) => void,
 *   readyTimeoutMs?: number }} options
 */
export async function startControlPlane({ host = "127.0.0.1", port, env = {}, onLine, readyTimeoutMs = 90_000 }) {
  const server = join(repositoryRoot, "apps/web/server.mjs");
  const child = spawn(process.execPath, [server, "-H", host, "-p", String(port)], {
    cwd: join(repositoryRoot, "apps/web"),
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8").on("data", (text) => {
      output += text;
      for (const line of text.split("\n")) if (line) onLine?.(line);
    });
  }
  const exited = once(child, "exit");
  const plane = {
    child,
    base: `http://${host}:${port}`,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  // apps/web/server.mjs opens the database (the instrumentation hook, in Next's prepare) and only then listens and
  // prints "Ready on": both lines, or a caller's first request is refused.
  const deadline = Date.now() + readyTimeoutMs;
  while (!(output.includes("Sluice: database") && output.includes("Ready on"))) {
    if (child.exitCode !== null) throw new Error(`the control plane exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      await plane.stop();
      throw new Error(`the control plane was not serving within ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return plane;
}
