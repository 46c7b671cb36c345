// Starts the built app with `next start` and talks to it over HTTP.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const appDir = fileURLToPath(new URL("..", import.meta.url));
let server: ChildProcess;
let base: string;

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const nextBin = fileURLToPath(import.meta.resolve("next/dist/bin/next"));
  server = spawn(process.execPath, [nextBin, "start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: appDir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  for await (const chunk of server.stdout!) if (String(chunk).includes("Ready")) break;
});

afterAll(() => {
  server?.kill("SIGTERM");
});

describe("control plane server", () => {
  it("answers the health check", async () => {
    const response = await fetch(`${base}/api/health`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.status).toBe("ok");
    expect(Date.parse(body.startedAt)).not.toBeNaN();
  });

  it("serves the dashboard page", async () => {
    const response = await fetch(base);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Sluice control plane");
  });

  it("answers 404 for unknown routes", async () => {
    expect((await fetch(`${base}/no-such-page`)).status).toBe(404);
  });
});
