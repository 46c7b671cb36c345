// Starts the built app with its server (apps/web/server.mjs: Next.js and the agent path) on a free port, with its own state directory, and stops it.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const appDir = fileURLToPath(new URL("../..", import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  return port;
}

export interface RunningServer {
  base: string;
  stateDir: string;
  /** Everything the server printed on stdout so far. */
  output(): string;
  /** Resolves when stdout contains the text (or rejects after the timeout). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Reuse a state directory (to test restarts); a fresh one otherwise, removed by removeStateDir(). */
  stateDir?: string;
  /** How long start-up (the database, then Ready) may take; 120 s unless given (a busy 2-core box, PGlite). */
  readyTimeoutMs?: number;
}

export function newStateDir(): string {
  return mkdtempSync(join(tmpdir(), "sluice-web-"));
}

export function removeStateDir(stateDir: string): void {
  rmSync(stateDir, { recursive: true, force: true });
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  const stateDir = options.stateDir ?? newStateDir();
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", SLUICE_STATE_DIR: stateDir };
  delete env.DATABASE_URL;
  delete env.SLUICE_ADMIN_PASSWORD;
  const serverScript = join(appDir, "server.mjs");
  const child: ChildProcess = spawn(process.execPath, [serverScript, "-H", "127.0.0.1", "-p", String(port)], {
    cwd: appDir,
    env: { ...env, ...options.env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  const server: RunningServer = {
    base: `http://127.0.0.1:${port}`,
    stateDir,
    output: () => stdout,
    async waitFor(text, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = typeof text === "string" ? stdout.includes(text) : text.test(stdout);
        if (match) return stdout;
        if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before printing ${text}`);
        if (Date.now() > deadline) throw new Error(`server did not print ${text}; it printed:\n${stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
  // The control plane starts in the instrumentation hook, before the server listens: first the database is
  // open, then "Ready". A server that does not come up is stopped rather than left behind.
  try {
    const timeoutMs = options.readyTimeoutMs ?? 120_000;
    await server.waitFor("Sluice: database", timeoutMs);
    await server.waitFor("Ready", timeoutMs);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** Stops the server (if it started) and removes its state directory. */
export async function stopServer(server: RunningServer | undefined): Promise<void> {
  if (!server) return;
  await server.stop();
  removeStateDir(server.stateDir);
}
