// One load process of the control-plane benchmark: many lightweight agents, each a real tRPC client with its own
// node credential, sending a heartbeat and a stats report every second (spread over the second) until the
// deadline. Like the real agent (apps/agent daemon/control-plane.ts) each client uses httpBatchLink, so the two
// calls of one second travel as one request, and all share Node's keep-alive connection pool: the process stays
// light (one event loop, no per-agent sockets beyond what is in flight) so the benchmark measures the server.
// Prints one JSON line: latencies in ms per procedure, the error count and this process's own CPU time.
// Usage: control-plane-agents.ts AGENTS_JSON_FILE BASE_URL SECONDS [HEARTBEAT_EVERY_SECONDS]
import { readFileSync } from "node:fs";
import type { AppRouter } from "@sluice/api";
import { exampleInventory } from "@sluice/proto";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";

export interface SimulatedAgent {
  nodeId: string;
  hostname: string;
  credential: string;
  instanceId: string;
}

const [file, base, secondsText] = process.argv.slice(2);
const agents = JSON.parse(readFileSync(file!, "utf8")) as SimulatedAgent[];
const seconds = Number(secondsText);
const heartbeatEvery = Number(process.argv[5] ?? "1");
const heartbeatMs: number[] = [];
const statsMs: number[] = [];
let errors = 0;
let firstError: string | undefined;

async function timed(into: number[], call: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  try {
    await call();
    into.push(performance.now() - started);
  } catch (error) {
    errors += 1;
    firstError ??= String(error);
  }
}

async function runAgent(agent: SimulatedAgent, offsetMs: number, deadline: number): Promise<void> {
  const client = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${base}/api/trpc`,
        transformer: superjson,
        headers: { authorization: `Bearer ${agent.credential}` },
      }),
    ],
  });
  const inventory = exampleInventory({ hostname: agent.hostname });
  await new Promise((resolve) => setTimeout(resolve, offsetMs));
  for (let tick = 0; Date.now() < deadline; tick += 1) {
    const started = Date.now();
    // The second's increases, as agents report them.
    const bytes = 1_000_000 + (tick % 10) * 100_000;
    await Promise.all([
      tick % heartbeatEvery === 0 ? timed(heartbeatMs, () => client.agent.heartbeat.mutate({ inventory })) : undefined,
      timed(statsMs, () =>
        client.agent.reportStats.mutate({
          samples: [
            {
              instanceId: agent.instanceId,
              at: new Date(),
              rxBytes: bytes,
              txBytes: bytes,
              rxPackets: Math.round(bytes / 1000),
              txPackets: Math.round(bytes / 1000),
              drops: 0,
            },
          ],
        }),
      ),
    ]);
    // Once a second, like the agent's sampler; a slow server makes it fall behind rather than pile up.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))));
  }
}

const deadline = Date.now() + seconds * 1000;
await Promise.all(agents.map((agent, index) => runAgent(agent, (index * 1000) / agents.length, deadline)));
const cpu = process.cpuUsage();
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(`${JSON.stringify({ heartbeatMs, statsMs, errors, firstError, cpuSeconds })}\n`);
