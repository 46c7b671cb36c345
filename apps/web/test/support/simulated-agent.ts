// A stand-in for the node agent: a real tRPC client with a real joined credential that heartbeats on a timer and
// reports each instance of its desired state as `report` decides (running, or failed to simulate a bad version).
import { exampleInventory } from "@sluice/proto";
import { apiClient } from "./trpc";

export type Report = (instance: { app: string; version: string }) => "running" | "failed";

export interface SimulatedAgent {
  nodeId: string;
  credential: string;
  client: ReturnType<typeof apiClient>;
  stop(): Promise<void>;
}

export async function startSimulatedAgent(
  base: string,
  joinToken: string,
  hostname: string,
  report: Report,
  everyMs = 300,
): Promise<SimulatedAgent> {
  const { nodeId, credential } = await apiClient(base).agent.join.mutate({ token: joinToken, hostname });
  const client = apiClient(base, { bearer: credential, csrf: false });
  const inventory = exampleInventory({ hostname, numaNodes: 1, coresPerNuma: 4 });
  const beat = async () => {
    const desired = await client.agent.desiredState.query();
    const instances = desired.instances.map((instance) => ({ instanceId: instance.id, state: report(instance) }));
    await client.agent.heartbeat.mutate({ inventory, instances });
  };
  await beat();
  let running = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(beat).catch((error: unknown) => console.error(`simulated agent ${hostname}:`, error));
  }, everyMs);
  return {
    nodeId,
    credential,
    client,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
