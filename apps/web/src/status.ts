const startedAt = new Date().toISOString();

export interface ControlPlaneStatus {
  status: "ok";
  version: string;
  startedAt: string;
  uptimeSeconds: number;
}

export function controlPlaneStatus(): ControlPlaneStatus {
  return {
    status: "ok",
    version: process.env.npm_package_version ?? "0.1.0",
    startedAt,
    uptimeSeconds: Math.round(process.uptime()),
  };
}
