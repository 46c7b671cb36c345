import { auditLog } from "@sluice/db";
import { exampleInventory } from "@sluice/proto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rejection, useControlPlane } from "../../test-support/harness.js";

const plane = useControlPlane();

describe("node credentials", () => {
  it("are revoked by an operator, refused from then on, and the revocation is audited", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const viewer = await plane().userCaller("vera", "viewer");
    const { nodeId, agent } = await plane().joinNode(operator);
    expect((await rejection(viewer.nodes.revokeCredential({ id: nodeId }))).code).toBe("FORBIDDEN");
    await agent.agent.desiredState();

    expect(await operator.nodes.revokeCredential({ id: nodeId })).toEqual({ revoked: 1 });
    expect((await rejection(agent.agent.desiredState())).code).toBe("UNAUTHORIZED");
    // A mutation without the browser's anti-CSRF header is refused even earlier, as from any non-agent.
    const refused = await rejection(agent.agent.heartbeat({ inventory: exampleInventory({ hostname: "edge-1" }) }));
    expect(refused.code).toBe("FORBIDDEN");
    const again = await rejection(operator.nodes.revokeCredential({ id: nodeId }));
    expect([again.code, again.message]).toEqual(["PRECONDITION_FAILED", "edge-1 has no active credential"]);
    const audit = await plane().db.select().from(auditLog).where(eq(auditLog.action, "node.credential.revoke"));
    expect(audit).toMatchObject([{ actorName: "otto", targetId: nodeId, after: { activeCredentials: 0 } }]);
  });
});
