// A Linux peer in a test namespace that sends `count` datagrams one at a time to a UDP echo and counts the
// byte-exact echoes (a lost one is resent after 500 ms as the next datagram).
import type { Network } from "@sluice/netns";

const UDP_CLIENT = `
const dgram = require("node:dgram");
const [target, port, count] = process.argv.slice(1);
const socket = dgram.createSocket("udp4");
let echoed = 0;
let n = 0;
const send = () => {
  if (n === Number(count)) { console.log(JSON.stringify({ sent: n, echoed })); socket.close(); return; }
  const payload = Buffer.from("sluice-" + n++);
  const timer = setTimeout(send, 500);
  socket.once("message", (msg) => { clearTimeout(timer); if (msg.equals(payload)) echoed++; send(); });
  socket.send(payload, Number(port), target);
};
send();
`;

export async function udpEchoExchange(
  net: Network,
  host: string,
  target: string,
  port: number,
  count: number,
): Promise<{ sent: number; echoed: number }> {
  const out = await net.exec(host, [process.execPath, "-e", UDP_CLIENT, target, String(port), String(count)], {
    timeoutMs: 30_000,
  });
  return JSON.parse(out.stdout) as { sent: number; echoed: number };
}
