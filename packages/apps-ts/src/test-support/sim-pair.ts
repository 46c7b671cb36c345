// Two LibOS instances on one fresh simulated wire (client 198.18.0.1, server 198.18.0.2), for the apps'
// tests over the sim backend; shutdownAll() closes every pair made so far (call it after each test).
import { Libos } from "@sluice/libos";

export function simPairs(wirePrefix: string) {
  const open: Libos[] = [];
  let wires = 0;
  return {
    pair(): { client: Libos; server: Libos } {
      const wire = `${wirePrefix}-${process.pid}-${wires++}`;
      const client = Libos.init({ backend: "sim", ipv4: "198.18.0.1/24", sim: { wire } });
      const server = Libos.init({ backend: "sim", ipv4: "198.18.0.2/24", sim: { wire } });
      open.push(client, server);
      return { client, server };
    },
    shutdownAll(): void {
      for (const libos of open.splice(0)) libos.shutdown();
    },
  };
}
