// A control plane for tests: a fresh database per test (cloned from a per-file template), a movable clock, and
// callers that authenticate the way real requests do, from headers.
import type { DatabaseHandle } from "@sluice/db";
import { users } from "@sluice/db";
import { createTestDatabases, type TestDatabases } from "@sluice/db/testing";
import { exampleInventory, type NodeInventory } from "@sluice/proto";
import { TRPCError } from "@trpc/server";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { AgentRuntime } from "../src/agents/runtime.js";
import {
  type Context,
  CSRF_HEADER,
  defaultSettings,
  isCsrfSafe,
  type Role,
  resolveActor,
  SESSION_COOKIE,
} from "../src/context.js";
import { LiveService } from "../src/live/service.js";
import { silentTelemetry } from "../src/observability/telemetry.js";
import { createCaller } from "../src/router.js";
import { hashPassword } from "../src/security/passwords.js";

export const TEST_PASSWORD = "correct horse battery staple";
const ORIGIN = "http://control-plane.test";
// Hashing is deliberately slow; every test user shares one hash of the same password.
const testPasswordHash = hashPassword(TEST_PASSWORD);

export type Caller = ReturnType<typeof createCaller>;

export interface CallerOptions {
  cookie?: string;
  bearer?: string;
  /** Send the anti-CSRF header (default true, as the web client does). */
  csrf?: boolean;
  origin?: string;
}

export class TestControlPlane {
  now = new Date("2025-06-01T12:00:00Z");
  /** Set-Cookie values the last callers produced, newest last. */
  readonly setCookies: string[] = [];
  /** The live store, with no timers: tests call `live.tick(plane.now.getTime())` themselves. */
  readonly live: LiveService;
  readonly telemetry = silentTelemetry();
  /**
   * The credential cache, heartbeat recorder and instance owners, as in production but without timers: tests
   * call `agents.flush()` to write noted heartbeat times, and `agents.start()` to hear other replicas.
   */
  readonly agents: AgentRuntime;

  /** `replicate` makes this plane one replica among others on the same database (LISTEN/NOTIFY on). */
  constructor(
    readonly handle: DatabaseHandle,
    options: { replicate?: boolean } = {},
  ) {
    this.live = new LiveService({ db: handle.db, replicate: options.replicate ?? false });
    this.agents = new AgentRuntime({ db: handle.db });
  }

  get db() {
    return this.handle.db;
  }

  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }

  async context(options: CallerOptions = {}): Promise<Context> {
    const headers = new Headers({ host: new URL(ORIGIN).host });
    if (options.cookie) headers.set("cookie", options.cookie);
    if (options.bearer) headers.set("authorization", `Bearer ${options.bearer}`);
    if (options.csrf ?? true) headers.set(CSRF_HEADER, "1");
    if (options.origin) headers.set("origin", options.origin);
    return {
      db: this.db,
      now: () => this.now,
      actor: await resolveActor(this.db, headers, this.now, this.agents.credentials),
      csrfSafe: isCsrfSafe(headers, `${ORIGIN}/api/trpc`),
      settings: defaultSettings,
      live: this.live,
      telemetry: this.telemetry,
      agents: this.agents,
      cookies: {
        set: (token) => this.setCookies.push(`${SESSION_COOKIE}=${token}`),
        clear: () => this.setCookies.push(`${SESSION_COOKIE}=`),
      },
    };
  }

  /** Like a browser or agent: every call is a new request, so its actor is resolved again each time. */
  async caller(options: CallerOptions = {}): Promise<Caller> {
    return createCaller(() => this.context(options));
  }

  /** Creates a user and signs them in; the caller carries their session cookie. */
  async userCaller(username: string, role: Role): Promise<Caller> {
    await this.db.insert(users).values({ username, role, passwordHash: await testPasswordHash });
    return this.login(username);
  }

  async login(username: string, password = TEST_PASSWORD): Promise<Caller> {
    await (await this.caller()).auth.login({ username, password });
    return this.caller({ cookie: this.setCookies.at(-1)! });
  }

  /** Joins a node with a fresh join token and sends its first heartbeat; returns the agent's caller. */
  async joinNode(
    operator: Caller,
    inventory: NodeInventory = exampleInventory({ hostname: "edge-1" }),
  ): Promise<{ nodeId: string; credential: string; agent: Caller }> {
    const { token } = await operator.tokens.create({ ttlMinutes: 10, description: inventory.hostname });
    const anonymous = await this.caller();
    const { nodeId, credential } = await anonymous.agent.join({ token, hostname: inventory.hostname });
    const agent = await this.caller({ bearer: credential, csrf: false });
    await agent.agent.heartbeat({ inventory, instances: [] });
    return { nodeId, credential, agent };
  }
}

/** Registers hooks giving each test its own control plane; read `current()` inside a test. */
export function useControlPlane(): () => TestControlPlane {
  let databases: TestDatabases;
  let plane: TestControlPlane | undefined;
  beforeAll(async () => {
    databases = await createTestDatabases();
  });
  afterAll(async () => {
    await databases?.close();
  });
  beforeEach(async () => {
    plane = new TestControlPlane(await databases.fresh());
  });
  afterEach(async () => {
    await plane?.live.stop();
    await plane?.agents.stop();
    await plane?.handle.close();
    plane = undefined;
  });
  return () => {
    if (!plane) throw new Error("useControlPlane: no test is running");
    return plane;
  };
}

/** The tRPC error a call failed with, or a failure if it succeeded. */
export async function rejection(call: Promise<unknown>): Promise<TRPCError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
