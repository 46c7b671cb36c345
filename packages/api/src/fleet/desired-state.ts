// What a node should be running: its instances with the CPU numbers and queue indexes they own.
import { allocations, apps, appVersions, cpus, type Executor, instances, nicQueues, nics } from "@sluice/db";
import { type ArtifactRef, builtinAppName, type DesiredState } from "@sluice/proto";
import { asc, eq } from "drizzle-orm";

export async function desiredStateFor(db: Executor, nodeId: string): Promise<DesiredState> {
  const rows = await db
    .select({
      id: instances.id,
      app: apps.name,
      version: appVersions.version,
      config: instances.config,
      nic: nics.name,
    })
    .from(instances)
    .innerJoin(appVersions, eq(appVersions.id, instances.appVersionId))
    .innerJoin(apps, eq(apps.id, appVersions.appId))
    .leftJoin(nics, eq(nics.id, instances.nicId))
    .where(eq(instances.nodeId, nodeId))
    .orderBy(asc(instances.createdAt), asc(instances.id));
  const owned = await db
    .select({ instanceId: allocations.instanceId, cpu: cpus.cpu, queue: nicQueues.queueIndex })
    .from(allocations)
    .leftJoin(cpus, eq(cpus.id, allocations.cpuId))
    .leftJoin(nicQueues, eq(nicQueues.id, allocations.queueId))
    .where(eq(allocations.nodeId, nodeId));
  return {
    nodeId,
    instances: rows.map((row) => {
      const mine = owned.filter((entry) => entry.instanceId === row.id);
      return {
        ...row,
        artifact: artifactFor(row.app),
        cores: mine.flatMap((entry) => (entry.cpu === null ? [] : [entry.cpu])).sort((a, b) => a - b),
        queues: mine.flatMap((entry) => (entry.queue === null ? [] : [entry.queue])).sort((a, b) => a - b),
      };
    }),
  };
}

// Until app versions carry their own artifact, an app named like a built-in runs the built-in.
function artifactFor(app: string): ArtifactRef {
  const builtin = builtinAppName.safeParse(app);
  return builtin.success ? { kind: "builtin", name: builtin.data } : { kind: "builtin", name: "echo" };
}
