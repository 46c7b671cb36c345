// What a node should be running: its instances with the CPU numbers and queue indexes they own.
import { allocations, apps, appVersions, cpus, type Executor, instances, nicQueues, nics } from "@sluice/db";
import { type ArtifactRef, artifactRef, builtinAppName, type DesiredState } from "@sluice/proto";
import { asc, eq } from "drizzle-orm";

export async function desiredStateFor(db: Executor, nodeId: string): Promise<DesiredState> {
  const rows = await db
    .select({
      id: instances.id,
      app: apps.name,
      version: appVersions.version,
      config: instances.config,
      nic: nics.name,
      artifact: appVersions.artifact,
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
    instances: rows.map(({ artifact, ...row }) => {
      const mine = owned.filter((entry) => entry.instanceId === row.id);
      return {
        ...row,
        artifact: artifact ? artifactRef.parse(artifact) : adHocArtifact(row.app),
        cores: mine.flatMap((entry) => (entry.cpu === null ? [] : [entry.cpu])).sort((a, b) => a - b),
        queues: mine.flatMap((entry) => (entry.queue === null ? [] : [entry.queue])).sort((a, b) => a - b),
      };
    }),
  };
}

/**
 * Versions made up by allocation.allocate for an ad-hoc instance have no artifact of their own: an app named like
 * a built-in runs that built-in, and anything else the echo built-in (the version's spec is the place to say more).
 */
function adHocArtifact(app: string): ArtifactRef {
  const builtin = builtinAppName.safeParse(app);
  return { kind: "builtin", name: builtin.success ? builtin.data : "echo" };
}

/** The sha256 digests of the bundles a node's desired state names: the only ones its agent may download. */
export async function bundlesFor(db: Executor, nodeId: string): Promise<Set<string>> {
  const rows = await db
    .selectDistinct({ artifact: appVersions.artifact })
    .from(instances)
    .innerJoin(appVersions, eq(appVersions.id, instances.appVersionId))
    .where(eq(instances.nodeId, nodeId));
  return new Set(rows.flatMap(({ artifact }) => (artifact?.kind === "bundle" ? [artifact.sha256] : [])));
}
