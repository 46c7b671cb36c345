// Types of demo-fleet.mjs for the end-to-end test, which builds the same fleet step by step.
import type { ChildProcess } from "node:child_process";
import type { AppRouter } from "@sluice/api";
import type { Network } from "@sluice/netns";
import type { TRPCClient } from "@trpc/client";

export type Api = TRPCClient<AppRouter> & { cookie(): string };
export type Backend = "xdp" | "kernel";

export declare const sluiceBin: string;
export declare const DEMO_APPS: ReadonlyArray<{ name: string; port: number; proto: "tcp" | "udp" }>;

export declare function apiClient(base: string): Api;
export declare function signIn(base: string, username: string, password: string): Promise<Api>;
export declare function chooseBackend(): { backend: Backend; namespaces: boolean; reason: string };
export declare function createFleetNetwork(options: { nodes: string[]; controlPlanePort: number }): Promise<Network>;

export interface AgentProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string | null>;
  stop(signal?: NodeJS.Signals): Promise<number | string | null>;
}

export declare function startAgent(
  network: Network,
  node: string,
  options: {
    controlPlanePort: number;
    token?: string;
    stateDir: string;
    heartbeatSeconds?: number;
    onLine?: (line: string) => void;
  },
): AgentProcess;

export declare function until<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs?: number,
  everyMs?: number,
): Promise<NonNullable<T>>;
export declare function waitForNodes(api: Api, names: string[], state?: string, timeoutMs?: number): Promise<unknown[]>;
export declare function appConfig(app: { port: number; proto: string }, backend: Backend): Record<string, unknown>;
export declare function appTargets(
  api: Api,
  network: Network,
  app: string,
): Promise<Array<{ node: string; ip: string }>>;
export declare function startLoad(network: Network, targets: { kv?: string[]; echo?: string[] }): { stop(): void };
