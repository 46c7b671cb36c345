// A real control plane for agent tests: appRouter from @sluice/api over a fresh PGlite database,
// served over HTTP by tRPC's fetch adapter exactly as apps/web serves it, on a unix socket (which a
// process in another network namespace can reach through a relay, see Network.relayToSocket in @sluice/netns). It can
// be stopped and started again on the same database, and it records every stats batch it accepted.
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AgentRuntime,
  appRouter,
  type Context,
  createCaller,
  createRequestContext,
  defaultSettings,
  LiveService,
  silentTelemetry,
} from "@sluice/api";
import { type DatabaseHandle, users } from "@sluice/db";
import { createTestDatabases, type TestDatabases } from "@sluice/db/testing";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

export interface RecordedSample {
  instanceId: string;
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  drops: number;
  connections?: number;
}

export interface RecordedStatus {
  instanceId: string;
  state: string;
  message?: string;
}

async function toRequest(message: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [key, value] of Object.entries(message.headers)) {
    if (typeof value === "string") headers.set(key, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(key, v);
  }
  const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
  return new Request(`http://${message.headers.host ?? "control-plane"}${message.url}`, {
    method: message.method,
    headers,
    ...(body && message.method !== "GET" && message.method !== "HEAD" ? { body } : {}),
  });
}

export class TestControlPlane {
  readonly socketPath = join(tmpdir(), `sluice-cp-${randomUUID().slice(0, 8)}.sock`);
  /** Stats samples of every accepted reportStats call, in arrival order. */
  readonly samples: RecordedSample[] = [];
  /** The server's live store, fed by reportStats as in the web app (its per-second clock is not needed here). */
  private live?: LiveService;
  private readonly telemetry = silentTelemetry();
  /** Instance statuses of the last accepted heartbeat (the messages are not stored by the API). */
  statuses: RecordedStatus[] = [];
  private server?: Server;

  private constructor(
    private readonly databases: TestDatabases,
    readonly handle: DatabaseHandle,
  ) {}

  static async create(): Promise<TestControlPlane> {
    const databases = await createTestDatabases();
    return new TestControlPlane(databases, await databases.fresh());
  }

  /** Starts serving (again) on the same socket and database. */
  async listen(): Promise<void> {
    rmSync(this.socketPath, { force: true });
    const server = createServer((message, response) => {
      void (async () => {
        const request = await toRequest(message);
        const procedures = decodeURIComponent(new URL(request.url).pathname.replace(/^\/api\/trpc\//, "")).split(",");
        const watched = procedures.some((p) => p === "agent.reportStats" || p === "agent.heartbeat");
        const body = watched && request.method === "POST" ? await request.clone().text() : "";
        const answer = await fetchRequestHandler({
          endpoint: "/api/trpc",
          req: request,
          router: appRouter,
          createContext: ({ req, resHeaders }) =>
            createRequestContext({
              db: this.handle.db,
              request: req,
              responseHeaders: resHeaders,
              live: this.liveService(),
              telemetry: this.telemetry,
            }),
        });
        if (body && answer.status === 200) this.record(procedures, body);
        response.writeHead(answer.status, Object.fromEntries(answer.headers));
        response.end(Buffer.from(await answer.arrayBuffer()));
      })().catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(this.socketPath, resolve));
    this.server = server;
  }

  /** Stops serving; open connections are cut, as when the control plane's process dies. */
  async stopServing(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.stopServing();
    await this.handle.close();
    await this.databases.close();
    rmSync(this.socketPath, { force: true });
  }

  /** An admin signed in by construction (the user row is real, so audit rows name it). */
  async admin(): Promise<ReturnType<typeof createCaller>> {
    const [user] = await this.handle.db
      .insert(users)
      .values({ username: `admin-${randomUUID().slice(0, 6)}`, role: "admin", passwordHash: "not used" })
      .returning({ id: users.id, username: users.username });
    const context: Context = {
      db: this.handle.db,
      now: () => new Date(),
      actor: { kind: "user", user: { id: user!.id, username: user!.username, role: "admin" }, sessionTokenHash: "" },
      csrfSafe: true,
      settings: defaultSettings,
      cookies: { set: () => {}, clear: () => {} },
      live: this.liveService(),
      telemetry: this.telemetry,
      // Like the HTTP side's context (no runtime given): every agent call asks the database.
      agents: new AgentRuntime({ db: this.handle.db, uncached: true }),
    };
    return createCaller(context);
  }

  private liveService(): LiveService {
    this.live ??= new LiveService({ db: this.handle.db });
    return this.live;
  }

  private record(procedures: string[], body: string): void {
    // httpBatchLink posts {"0": {"json": input, "meta": ...}, "1": ...} (superjson), in URL order.
    const calls = JSON.parse(body) as Record<
      string,
      { json: { samples?: RecordedSample[]; instances?: RecordedStatus[] } }
    >;
    procedures.forEach((procedure, index) => {
      const input = calls[String(index)]?.json;
      if (procedure === "agent.reportStats") this.samples.push(...(input?.samples ?? []));
      if (procedure === "agent.heartbeat") this.statuses = input?.instances ?? [];
    });
  }
}
