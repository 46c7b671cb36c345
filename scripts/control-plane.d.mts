// Types of control-plane.mjs for the TypeScript tests that start the control plane through it.
import type { ChildProcess } from "node:child_process";

export declare const repositoryRoot: string;

export interface RunningControlPlane {
  child: ChildProcess;
  base: string;
  output(): string;
  stop(): Promise<void>;
}

export declare function startControlPlane(options: {
  host?: string;
  port: number;
  env?: Record<string, string | undefined>;
  onLine?: (line: string) => void;
  readyTimeoutMs?: number;
}): Promise<RunningControlPlane>;
