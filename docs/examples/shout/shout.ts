// A UDP service on @sluice/libos: every datagram comes back upper-cased. The same file runs on a laptop (backend
// kernel: Linux sockets) and on a node under the agent (backend xdp on the NIC queue it was allocated).
import { networkInterfaces } from "node:os";
import { Libos, type LibosConfig } from "@sluice/libos";

// Under the agent: SLUICE_CONFIG is the version's config, SLUICE_NIC and SLUICE_QUEUES its allocation.
const config = JSON.parse(process.env.SLUICE_CONFIG ?? "{}") as { backend?: LibosConfig["backend"]; port?: number };
const backend = config.backend ?? "kernel";
const port = config.port ?? 9000;
const nic = process.env.SLUICE_NIC || undefined;
// The instance serves on its NIC's own address (kernel backend: every local address).
const nicAddress = nic ? networkInterfaces()[nic]?.find((address) => address.family === "IPv4")?.cidr : undefined;

const libos = Libos.init({
  backend,
  ipv4: nicAddress ?? "127.0.0.1/8",
  ...(backend === "kernel" ? {} : { interface: nic, queue: Number(process.env.SLUICE_QUEUES?.split(",")[0] ?? 0) }),
  device: { busy_poll: false },
});
const qd = libos.socket("udp");
libos.bind(qd, { ip: "0.0.0.0", port });
console.log(`ready shout udp ${nicAddress ?? "0.0.0.0"}:${port} backend=${backend}`);

let stopping = false;
const stop = () => {
  stopping = true;
  libos.shutdown();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

while (!stopping) {
  const popped = await libos.wait(libos.pop(qd)).catch((error: Error) => {
    if (stopping) return null; // shutdown cancels the pending pop
    throw error;
  });
  if (popped?.opcode !== "pop" || popped.data === null) continue;
  const reply = Buffer.from(popped.data).toString("utf8").toUpperCase();
  libos.release(popped.data);
  await libos.wait(libos.pushto(qd, Buffer.from(reply), popped.from));
}
