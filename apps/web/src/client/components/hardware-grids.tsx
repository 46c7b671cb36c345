"use client";
// The node page's two grids: NIC queues per NIC, and logical CPUs grouped by NUMA node, each cell naming its owner.
import type { AppRouter } from "@sluice/api";
import type { inferRouterOutputs } from "@trpc/server";
import { appColour } from "./format";

type NodeDetail = inferRouterOutputs<AppRouter>["nodes"]["get"];
type Owner = NodeDetail["cpus"][number]["owner"];

function OwnerLine({ owner }: { owner: Owner }) {
  if (!owner) return <span>free</span>;
  return <span title={`instance ${owner.instanceId}`}>{owner.app}</span>;
}

export function QueueGrids({ nics }: { nics: NodeDetail["nics"] }) {
  if (nics.length === 0) return <p className="muted">This node reports no NICs.</p>;
  return (
    <>
      {nics.map((nic) => (
        <section key={nic.id} data-testid={`nic-${nic.name}`}>
          <h3>
            {nic.name}{" "}
            <span className="muted">
              {nic.driver}, {nic.mac}, {nic.speedMbps ? `${nic.speedMbps / 1000} Gbit/s` : "link down"}, XDP {nic.xdp},
              NUMA {nic.numaNode ?? "?"}
            </span>
          </h3>
          <div className="grid">
            {nic.queues.map((queue) => (
              <div
                key={queue.id}
                className={`cell${queue.owner ? "" : " free"}`}
                style={queue.owner ? { background: appColour(queue.owner.app) } : undefined}
              >
                <b>queue {queue.index}</b>
                <OwnerLine owner={queue.owner} />
              </div>
            ))}
          </div>
        </section>
      ))}
    </>
  );
}

export function CoreGrids({ cpus }: { cpus: NodeDetail["cpus"] }) {
  const numaNodes = [...new Set(cpus.map((cpu) => cpu.numaNode))].sort((a, b) => a - b);
  return (
    <>
      {numaNodes.map((numa) => (
        <section key={numa} data-testid={`numa-${numa}`}>
          <h3>NUMA node {numa}</h3>
          <div className="grid">
            {cpus
              .filter((cpu) => cpu.numaNode === numa)
              .map((cpu) => (
                <div
                  key={cpu.id}
                  className={`cell${cpu.owner ? "" : " free"}`}
                  style={cpu.owner ? { background: appColour(cpu.owner.app) } : undefined}
                  title={cpu.smtSiblings.length ? `SMT siblings: ${cpu.smtSiblings.join(", ")}` : "no SMT siblings"}
                >
                  <b>
                    CPU {cpu.cpu}
                    {cpu.isolated ? " (isolated)" : ""}
                  </b>
                  <OwnerLine owner={cpu.owner} />
                </div>
              ))}
          </div>
        </section>
      ))}
    </>
  );
}
