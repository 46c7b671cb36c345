// Every procedure, called by every kind of caller: the role rules hold everywhere, and a new procedure cannot be
// added without saying who may call it.
import { describe, expect, it } from "vitest";
import { type Caller, useControlPlane } from "../../test-support/harness.js";
import { appRouter } from "../router.js";

type Access = "public" | "viewer" | "operator" | "admin" | "agent";

const expectedAccess: Record<string, Access> = {
  "auth.me": "public",
  "auth.login": "public",
  "auth.logout": "viewer",
  "users.list": "admin",
  "users.create": "admin",
  "users.setRole": "admin",
  "users.setDisabled": "admin",
  "tokens.create": "operator",
  "tokens.list": "operator",
  "tokens.revoke": "operator",
  "agent.join": "public",
  "agent.heartbeat": "agent",
  "agent.desiredState": "agent",
  "agent.reportStats": "agent",
  "nodes.list": "viewer",
  "nodes.get": "viewer",
  "nodes.cordon": "operator",
  "nodes.uncordon": "operator",
  "nodes.drain": "operator",
  "nodes.setLabels": "operator",
  "nodes.revokeCredential": "operator",
  "allocation.allocate": "operator",
  "allocation.release": "operator",
  "allocation.listInstances": "viewer",
  "audit.list": "viewer",
  "apps.list": "viewer",
  "apps.get": "viewer",
  "apps.artifacts": "viewer",
  "apps.create": "operator",
  "apps.createVersion": "operator",
  "apps.delete": "operator",
  "rollouts.list": "viewer",
  "rollouts.get": "viewer",
  "rollouts.changes": "viewer",
  "rollouts.start": "operator",
  "rollouts.pause": "operator",
  "rollouts.resume": "operator",
  "rollouts.promote": "operator",
  "rollouts.abort": "operator",
  "live.watch": "viewer",
  "live.history": "viewer",
};

type CallerKind = "anonymous" | "agent" | "viewer" | "operator" | "admin";
const callerKinds: CallerKind[] = ["anonymous", "agent", "viewer", "operator", "admin"];

function allowed(access: Access, caller: CallerKind): boolean {
  if (access === "public") return true;
  if (access === "agent") return caller === "agent";
  const rank = { viewer: 0, operator: 1, admin: 2 } as Record<string, number>;
  return caller in rank && rank[caller]! >= rank[access]!;
}

const AUTH_REFUSALS = [
  "sign in first",
  "node credentials can call agent procedures only",
  "agent procedures need a node credential",
  /^this needs the \w+ role$/,
];

function isAuthRefusal(error: unknown): boolean {
  const message = (error as { message?: string }).message ?? "";
  return AUTH_REFUSALS.some((refusal) => (typeof refusal === "string" ? refusal === message : refusal.test(message)));
}

function procedureAt(caller: Caller, path: string): (input: unknown) => Promise<unknown> {
  let target: unknown = caller;
  for (const key of path.split(".")) target = (target as Record<string, unknown>)[key];
  return target as (input: unknown) => Promise<unknown>;
}

const plane = useControlPlane();

describe("procedure access", () => {
  it("lists every procedure of the router", () => {
    expect(Object.keys(appRouter._def.procedures).sort()).toEqual(Object.keys(expectedAccess).sort());
  });

  it("refuses every caller below a procedure's level, and lets every other caller past the check", async () => {
    const admin = await plane().userCaller("root", "admin");
    const callers: Record<CallerKind, Caller> = {
      anonymous: await plane().caller(),
      agent: (await plane().joinNode(admin)).agent,
      viewer: await plane().userCaller("vera", "viewer"),
      operator: await plane().userCaller("otto", "operator"),
      admin,
    };
    // Logout ends the caller's session, so it goes last.
    const paths = Object.keys(expectedAccess).sort((a, b) => Number(a === "auth.logout") - Number(b === "auth.logout"));
    const verdicts: string[] = [];
    for (const path of paths) {
      for (const kind of callerKinds) {
        // No input: a caller who gets past the role check fails validation (or succeeds), never an auth refusal.
        const outcome = await procedureAt(
          callers[kind],
          path,
        )(undefined).then(
          () => "ok",
          (error: unknown) => (isAuthRefusal(error) ? "refused" : "ok"),
        );
        const expected = allowed(expectedAccess[path]!, kind) ? "ok" : "refused";
        if (outcome !== expected) verdicts.push(`${path} as ${kind}: ${outcome}, expected ${expected}`);
      }
    }
    expect(verdicts).toEqual([]);
  });
});
