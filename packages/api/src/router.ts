import { agentRouter } from "./routers/agent.js";
import { allocationRouter } from "./routers/allocation.js";
import { appsRouter } from "./routers/apps.js";
import { auditRouter } from "./routers/audit.js";
import { authRouter } from "./routers/auth.js";
import { nodesRouter } from "./routers/nodes.js";
import { rolloutsRouter } from "./routers/rollouts.js";
import { tokensRouter } from "./routers/tokens.js";
import { usersRouter } from "./routers/users.js";
import { createCallerFactory, router } from "./trpc.js";

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  tokens: tokensRouter,
  agent: agentRouter,
  nodes: nodesRouter,
  allocation: allocationRouter,
  audit: auditRouter,
  apps: appsRouter,
  rollouts: rolloutsRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
