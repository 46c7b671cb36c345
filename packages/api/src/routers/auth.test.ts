import { auditLog, sessions, users } from "@sluice/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ZodError, z } from "zod";
import { rejection, TEST_PASSWORD, useControlPlane } from "../../test-support/harness.js";
import { createRequestContext, defaultSettings } from "../context.js";
import { bootstrapAdmin } from "../fleet/bootstrap.js";
import { runMaintenance } from "../fleet/maintenance.js";
import { verifyPassword } from "../security/passwords.js";

const plane = useControlPlane();

describe("first-admin bootstrap", () => {
  it("creates admin with the given password once, and never again", async () => {
    const first = await bootstrapAdmin(plane().db, plane().now, "a long admin password");
    expect(first).toEqual({ created: true, username: "admin", password: "a long admin password", generated: false });
    expect(await bootstrapAdmin(plane().db, plane().now, "another password")).toEqual({ created: false });
    const rows = await plane().db.select().from(users);
    expect(rows.map((row) => [row.username, row.role])).toEqual([["admin", "admin"]]);
    expect(await verifyPassword("a long admin password", rows[0]!.passwordHash)).toBe(true);
    const admin = await plane().login("admin", "a long admin password");
    expect(await admin.auth.me()).toMatchObject({ username: "admin", role: "admin" });
  });

  it("generates a password when none is configured and returns it to the caller", async () => {
    const result = await bootstrapAdmin(plane().db, plane().now, undefined);
    if (!result.created) throw new Error("expected an admin");
    expect(result.generated).toBe(true);
    expect(result.password.length).toBeGreaterThanOrEqual(16);
    const [row] = await plane().db.select().from(users);
    expect(row!.passwordHash).not.toContain(result.password);
    expect(await verifyPassword(result.password, row!.passwordHash)).toBe(true);
  });
});

describe("login, me and logout", () => {
  it("sets an httpOnly SameSite cookie and stores only the token's hash", async () => {
    await bootstrapAdmin(plane().db, plane().now, TEST_PASSWORD);
    const responseHeaders = new Headers();
    const request = new Request("http://cp.test/api/trpc/auth.login", {
      method: "POST",
      headers: { "x-sluice-request": "1", origin: "http://cp.test", host: "cp.test" },
    });
    const { live, telemetry } = plane();
    const context = await createRequestContext({ db: plane().db, live, telemetry, request, responseHeaders });
    const { createCaller } = await import("../router.js");
    await createCaller(context).auth.login({ username: "admin", password: TEST_PASSWORD });
    const cookie = responseHeaders.get("set-cookie")!;
    expect(cookie).toMatch(/^sluice_session=sss_[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Expires=/);
    const token = /^sluice_session=([^;]+)/.exec(cookie)![1]!;
    const [session] = await plane().db.select().from(sessions);
    expect(session!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(session!.tokenHash).not.toContain(token);
  });

  it("answers the same way for an unknown user, a wrong password and a disabled user", async () => {
    const admin = await plane().userCaller("root", "admin");
    const carol = await admin.users.create({ username: "carol", password: TEST_PASSWORD, role: "viewer" });
    await admin.users.setDisabled({ id: carol.id, disabled: true });
    const anonymous = await plane().caller();
    for (const [username, password] of [
      ["nobody", TEST_PASSWORD],
      ["root", "not the password"],
      ["carol", TEST_PASSWORD],
    ] as const) {
      const error = await rejection(anonymous.auth.login({ username, password }));
      expect([error.code, error.message]).toEqual(["UNAUTHORIZED", "wrong username or password"]);
    }
  });

  it("ends the session on logout, and expired sessions are ignored", async () => {
    const viewer = await plane().userCaller("vera", "viewer");
    expect(await viewer.auth.me()).toMatchObject({ username: "vera", role: "viewer" });
    await viewer.auth.logout();
    expect(plane().setCookies.at(-1)).toBe("sluice_session=");
    const sameCookie = await plane().caller({ cookie: plane().setCookies.at(-2)! });
    expect(await sameCookie.auth.me()).toBeNull();

    const again = await plane().login("vera");
    plane().advance(11 * 60 * 60 * 1000);
    expect(await again.auth.me()).toMatchObject({ username: "vera" });
    plane().advance(2 * 60 * 60 * 1000); // sessions last 12 hours
    expect(await again.auth.me()).toBeNull();
  });

  it("deletes expired sessions during maintenance and keeps live ones", async () => {
    await plane().userCaller("vera", "viewer");
    plane().advance(6 * 60 * 60 * 1000);
    const fresh = await plane().login("vera");
    plane().advance(7 * 60 * 60 * 1000); // the first session is 13 h old, the second 7 h
    const report = await runMaintenance(plane().db, plane().now, defaultSettings);
    expect(report.sessionsDeleted).toBe(1);
    expect(await plane().db.select().from(sessions)).toHaveLength(1);
    expect(await fresh.auth.me()).toMatchObject({ username: "vera" });
  });

  it("records logins in the audit log", async () => {
    await plane().userCaller("vera", "viewer");
    const rows = await plane().db.select().from(auditLog).where(eq(auditLog.action, "auth.login"));
    expect(rows).toMatchObject([{ actorKind: "user", actorName: "vera", targetKind: "user" }]);
  });
});

describe("CSRF protection", () => {
  it("refuses a mutation without the custom header, even with a valid session", async () => {
    const admin = await plane().userCaller("root", "admin");
    await admin.tokens.create({ ttlMinutes: 5 });
    const cookie = plane().setCookies.at(-1)!;
    const forged = await plane().caller({ cookie, csrf: false });
    const error = await rejection(forged.tokens.create({ ttlMinutes: 5 }));
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toContain("x-sluice-request");
    // Reads stay available without the header (they change nothing).
    expect(await forged.tokens.list()).toHaveLength(1);
  });

  it("refuses a mutation whose Origin is another site", async () => {
    await plane().userCaller("root", "admin");
    const cookie = plane().setCookies.at(-1)!;
    const crossSite = await plane().caller({ cookie, origin: "https://evil.example" });
    expect((await rejection(crossSite.tokens.create({ ttlMinutes: 5 }))).code).toBe("FORBIDDEN");
    const sameSite = await plane().caller({ cookie, origin: "http://control-plane.test" });
    await expect(sameSite.tokens.create({ ttlMinutes: 5 })).resolves.toMatchObject({ token: /^sjt_/ });
  });

  it("refuses login without the header", async () => {
    await bootstrapAdmin(plane().db, plane().now, TEST_PASSWORD);
    const forged = await plane().caller({ csrf: false });
    expect((await rejection(forged.auth.login({ username: "admin", password: TEST_PASSWORD }))).code).toBe("FORBIDDEN");
  });
});

describe("users (admin only)", () => {
  it("creates, lists, changes role and disables users, with audit rows", async () => {
    const admin = await plane().userCaller("root", "admin");
    const created = await admin.users.create({ username: "olga", password: TEST_PASSWORD, role: "viewer" });
    const olga = await plane().login("olga");
    expect((await rejection(olga.tokens.create({ ttlMinutes: 5 }))).code).toBe("FORBIDDEN");
    await admin.users.setRole({ id: created.id, role: "operator" });
    await expect(olga.tokens.create({ ttlMinutes: 5 })).resolves.toBeDefined(); // the role is read per request
    await admin.users.setDisabled({ id: created.id, disabled: true });
    expect(await (await plane().caller({ cookie: plane().setCookies.at(-1)! })).auth.me()).toBeNull();
    expect((await admin.users.list()).map((user) => [user.username, user.role, user.disabled])).toEqual([
      ["olga", "operator", true],
      ["root", "admin", false],
    ]);
    const audit = await plane().db.select().from(auditLog).where(eq(auditLog.targetId, created.id));
    expect(audit.map((row) => [row.action, row.before, row.after])).toEqual([
      ["user.create", null, { username: "olga", role: "viewer" }],
      ["auth.login", null, null],
      ["user.setRole", { role: "viewer" }, { role: "operator" }],
      ["user.disable", { disabled: false }, { disabled: true }],
    ]);
  });

  it("gives field-level errors and creates nothing on bad input", async () => {
    const admin = await plane().userCaller("root", "admin");
    const error = await rejection(admin.users.create({ username: "Bad Name", password: "short", role: "viewer" }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.cause).toBeInstanceOf(ZodError);
    expect(z.flattenError(error.cause as ZodError).fieldErrors).toEqual({
      username: ["lowercase letters, digits, '.', '_' and '-', starting with a letter or digit"],
      password: ["at least 12 characters"],
    });
    expect(await plane().db.select().from(users)).toHaveLength(1);
  });

  it("refuses a duplicate username with a clear conflict", async () => {
    const admin = await plane().userCaller("root", "admin");
    const error = await rejection(admin.users.create({ username: "root", password: TEST_PASSWORD, role: "viewer" }));
    expect([error.code, error.message]).toEqual(["CONFLICT", "user root already exists"]);
  });

  it("never leaves the control plane without an active admin", async () => {
    const admin = await plane().userCaller("root", "admin");
    const [root] = await plane().db.select().from(users).where(eq(users.username, "root"));
    expect((await rejection(admin.users.setRole({ id: root!.id, role: "viewer" }))).message).toBe(
      "this would leave no active admin",
    );
    expect((await rejection(admin.users.setDisabled({ id: root!.id, disabled: true }))).code).toBe(
      "PRECONDITION_FAILED",
    );
    const second = await admin.users.create({ username: "ada", password: TEST_PASSWORD, role: "admin" });
    await admin.users.setRole({ id: root!.id, role: "viewer" });
    expect((await rejection(admin.users.setDisabled({ id: second.id, disabled: true }))).code).toBe("FORBIDDEN");
  });
});
