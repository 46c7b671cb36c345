/** One node's reason for refusing an allocation: which constraint, and a sentence an operator can act on. */
export interface AllocationRefusal {
  nodeId: string;
  nodeName: string;
  constraint: "node-state" | "nic" | "queues" | "cores" | "smt-siblings" | "conflict";
  message: string;
}

export class AllocationRefusedError extends Error {
  constructor(readonly refusals: AllocationRefusal[]) {
    super(
      refusals.length === 0
        ? "no node has joined yet"
        : refusals.map((refusal) => `${refusal.nodeName}: ${refusal.message}`).join("; "),
    );
    this.name = "AllocationRefusedError";
  }
}
