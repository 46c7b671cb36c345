// `--metrics-listen HOST:PORT`: GET /metrics in the Prometheus text format; everything else 404.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type MetricFamily, renderExposition } from "./exposition.js";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface MetricsServer {
  server: Server;
  address: AddressInfo;
  close(): Promise<void>;
}

export function startMetricsServer(host: string, port: number, families: () => MetricFamily[]): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" || path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("only GET /metrics is served here\n");
      return;
    }
    let body: string;
    try {
      body = renderExposition(families());
    } catch (error) {
      response.writeHead(500, { "content-type": "text/plain" }).end(`${(error as Error).message}\n`);
      return;
    }
    response.writeHead(200, { "content-type": EXPOSITION_CONTENT_TYPE }).end(body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve({
        server,
        address: server.address() as AddressInfo,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
