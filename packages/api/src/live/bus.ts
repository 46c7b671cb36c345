// Replicas share accepted samples through Postgres LISTEN/NOTIFY, so every replica's store holds every node.
//
// Why NOTIFY with whole samples, and not a key into a table: the stream is telemetry, it must stay out of the
// relational hot path (no row writes, no WAL, no vacuum), and a replica that misses a second only loses chart
// points. A NOTIFY payload is limited to 8000 bytes, so a replica buffers what it accepts and, every half
// second, packs whole samples into payloads of at most 7 KB; each payload is complete JSON on its own, so there
// is no reassembly and a lost payload loses only its own samples. All payloads of a flush go out in one
// statement (one round trip). Each carries the sender's replica id (the sender ingests its own samples
// directly and skips its echo) and a sequence number (Postgres folds identical payloads of one transaction).
//
// The same code runs on PGlite: its `listen()` receives NOTIFYs of the same database, which is what a single
// process needs (and what the tests use to run two replicas on one PGlite).
import type { Database } from "@sluice/db";
import { sql } from "drizzle-orm";
import { listenChannel, type Unlisten } from "../replica/listen.js";
import type { LiveSample } from "./rates.js";

export const LIVE_CHANNEL = "sluice_live";
export const MAX_PAYLOAD_BYTES = 7000;

/** A sample on the wire: a positional array keeps payloads small. */
type WireSample = [
  second: number,
  nodeId: string,
  instanceId: string,
  app: string,
  queue: number | null,
  atMs: number,
  rxPackets: number,
  txPackets: number,
  rxBytes: number,
  txBytes: number,
  drops: number,
  retransmits: number | null,
  connections: number | null,
];

interface Payload {
  o: string;
  q: number;
  s: WireSample[];
}

function toWire(sample: LiveSample): WireSample {
  return [
    sample.second,
    sample.nodeId,
    sample.instanceId,
    sample.app,
    sample.queue,
    sample.atMs,
    sample.rxPackets,
    sample.txPackets,
    sample.rxBytes,
    sample.txBytes,
    sample.drops,
    sample.retransmits,
    sample.connections,
  ];
}

function fromWire(wire: WireSample): LiveSample {
  const [second, nodeId, instanceId, app, queue, atMs, rxPackets, txPackets, rxBytes, txBytes, drops] = wire;
  return {
    second,
    nodeId,
    instanceId,
    app,
    queue,
    atMs,
    rxPackets,
    txPackets,
    rxBytes,
    txBytes,
    drops,
    retransmits: wire[11],
    connections: wire[12],
  };
}

/** Packs samples into JSON payloads of at most `limit` bytes each, whole samples only. */
export function encodePayloads(
  origin: string,
  firstSequence: number,
  samples: readonly LiveSample[],
  limit = MAX_PAYLOAD_BYTES,
): string[] {
  const payloads: string[] = [];
  let sequence = firstSequence;
  let parts: string[] = [];
  let size = 0;
  const header = (q: number) => `{"o":${JSON.stringify(origin)},"q":${q},"s":[`;
  const flush = () => {
    if (parts.length === 0) return;
    payloads.push(`${header(sequence)}${parts.join(",")}]}`);
    sequence += 1;
    parts = [];
  };
  for (const sample of samples) {
    const encoded = JSON.stringify(toWire(sample));
    // The header, the commas, the closing "]}", and room for a longer sequence number.
    const overhead = header(sequence).length + parts.length + 2 + 8;
    if (overhead + size + encoded.length > limit) {
      flush();
      size = 0;
    }
    if (header(sequence).length + encoded.length + 10 > limit)
      throw new Error("a live sample does not fit a NOTIFY payload");
    parts.push(encoded);
    size += encoded.length;
  }
  flush();
  return payloads;
}

export function decodePayload(text: string): { origin: string; samples: LiveSample[] } {
  const payload = JSON.parse(text) as Payload;
  return { origin: payload.o, samples: payload.s.map(fromWire) };
}

export interface BusCounters {
  notificationsSent: number;
  notificationsReceived: number;
  publishFailures: number;
}

export class ReplicaBus {
  private pending: LiveSample[] = [];
  private sequence = 0;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: Unlisten | undefined;
  readonly counters: BusCounters = { notificationsSent: 0, notificationsReceived: 0, publishFailures: 0 };

  constructor(
    private readonly db: Database,
    readonly replicaId: string,
    private readonly onRemote: (samples: LiveSample[]) => void,
    private readonly onError: (error: unknown, what: string) => void,
    private readonly flushMs = 500,
  ) {}

  async start(): Promise<void> {
    await this.listen();
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  publish(samples: readonly LiveSample[]): void {
    for (const sample of samples) this.pending.push(sample);
  }

  /** Sends everything buffered; normally called by the timer, by tests directly. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const samples = this.pending;
    this.pending = [];
    const payloads = encodePayloads(this.replicaId, this.sequence, samples);
    this.sequence += payloads.length;
    try {
      const notifies = payloads.map((payload) => sql`pg_notify(${LIVE_CHANNEL}, ${payload})`);
      await this.db.execute(sql`select ${sql.join(notifies, sql`, `)}`);
      this.counters.notificationsSent += payloads.length;
    } catch (error) {
      this.counters.publishFailures += 1;
      this.onError(error, "publishing live samples");
    }
  }

  private receive(text: string): void {
    this.counters.notificationsReceived += 1;
    try {
      const { origin, samples } = decodePayload(text);
      if (origin !== this.replicaId) this.onRemote(samples);
    } catch (error) {
      this.onError(error, "reading a live notification");
    }
  }

  private async listen(): Promise<void> {
    this.unlisten = await listenChannel(this.db, LIVE_CHANNEL, (payload) => this.receive(payload), this.onError);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.unlisten?.();
  }
}
