// Listening on a Postgres NOTIFY channel, on PGlite (its own listen(), same process) or on a pg pool (a dedicated
// connection that stays in LISTEN and, when it breaks, is replaced). Shared by the live-sample bus and the
// control channel (credential revocations) so that both survive a dropped connection the same way.
import type { Database } from "@sluice/db";

export type Unlisten = () => Promise<void>;

interface PgliteLike {
  listen(channel: string, callback: (payload: string) => void): Promise<Unlisten>;
}
interface PgPoolLike {
  connect(): Promise<PgClientLike>;
}
interface PgClientLike {
  query(text: string): Promise<unknown>;
  on(event: "notification", listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  release(error?: Error | boolean): void;
}

/**
 * Calls `onPayload` for every notification on `channel` until the returned function is called. On a pool, a
 * broken listening connection is reported to `onError` and replaced a second later.
 */
export async function listenChannel(
  db: Database,
  channel: string,
  onPayload: (payload: string) => void,
  onError: (error: unknown, what: string) => void,
): Promise<Unlisten> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a plain channel name: ${channel}`);
  const client = (db as unknown as { $client: PgliteLike | PgPoolLike }).$client;
  if ("listen" in client) return client.listen(channel, onPayload);

  let stopped = false;
  let current: Unlisten | undefined;
  const connect = async (): Promise<void> => {
    const connection = await client.connect();
    let released = false;
    connection.on("notification", (message) => {
      if (message.channel === channel && message.payload) onPayload(message.payload);
    });
    connection.on("error", (error) => {
      if (released) return;
      released = true;
      connection.release(error);
      onError(error, `listening on ${channel}`);
      if (!stopped)
        setTimeout(() => void connect().catch((e) => onError(e, `listening on ${channel} again`)), 1000).unref();
    });
    await connection.query(`LISTEN ${channel}`);
    current = async () => {
      if (released) return;
      released = true;
      await connection.query(`UNLISTEN ${channel}`).catch(() => undefined);
      connection.release();
    };
  };
  await connect();
  return async () => {
    stopped = true;
    await current?.();
  };
}
