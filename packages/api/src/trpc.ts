// Procedure builders by caller: public, viewer < operator < admin, and agent (a node acting for itself only).
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { AllocationRefusedError } from "./allocation/errors.js";
import type { Context, Role, SessionUser } from "./context.js";
import { CSRF_HEADER } from "./context.js";

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        // Field-level messages for forms: { formErrors: [...], fieldErrors: { username: [...] } }.
        validation: cause instanceof ZodError ? z.flattenError(cause) : null,
        // Which constraint failed on which node, for allocation requests that cannot be met.
        allocationRefusals: cause instanceof AllocationRefusedError ? cause.refusals : null,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Every mutation from a browser-capable caller must pass the anti-CSRF check (see context.ts). */
const csrfGuard = t.middleware(({ ctx, type, next }) => {
  if (type === "mutation" && ctx.actor.kind !== "node" && !ctx.csrfSafe) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `state-changing requests need the ${CSRF_HEADER}: 1 header and a same-origin Origin`,
    });
  }
  return next();
});

/** Counts and times every call per procedure and logs it (see observability/telemetry.ts). */
const observe = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const result = await next();
  ctx.telemetry.recordRequest({
    path,
    type,
    code: result.ok ? "OK" : result.error.code,
    durationMs: performance.now() - started,
    actor:
      ctx.actor.kind === "user"
        ? ctx.actor.user.username
        : ctx.actor.kind === "node"
          ? `node:${ctx.actor.nodeId}`
          : "anonymous",
    ...(result.ok ? {} : { error: result.error.cause ?? result.error }),
  });
  return result;
});

export const publicProcedure = t.procedure.use(observe).use(csrfGuard);

function requireRole(minimum: Role) {
  return publicProcedure.use(({ ctx, next }) => {
    if (ctx.actor.kind !== "user") {
      throw new TRPCError({
        code: ctx.actor.kind === "node" ? "FORBIDDEN" : "UNAUTHORIZED",
        message: ctx.actor.kind === "node" ? "node credentials can call agent procedures only" : "sign in first",
      });
    }
    if (ROLE_RANK[ctx.actor.user.role] < ROLE_RANK[minimum]) {
      throw new TRPCError({ code: "FORBIDDEN", message: `this needs the ${minimum} role` });
    }
    const actor = ctx.actor;
    const user: SessionUser = actor.user;
    return next({ ctx: { ...ctx, actor, user, sessionTokenHash: actor.sessionTokenHash } });
  });
}

export const viewerProcedure = requireRole("viewer");
export const operatorProcedure = requireRole("operator");
export const adminProcedure = requireRole("admin");

export const agentProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.actor.kind !== "node") {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "agent procedures need a node credential" });
  }
  return next({ ctx: { ...ctx, node: { id: ctx.actor.nodeId, name: ctx.actor.nodeName } } });
});
