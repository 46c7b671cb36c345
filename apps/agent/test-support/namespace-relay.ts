// Carries TCP connections made inside a network namespace to a unix socket outside it: unix socket
// paths are shared by all namespaces, loopback addresses are not. Run with `ip netns exec NS`.
export const RELAY_SOURCE = `
const net = require("node:net");
const [port, socketPath] = process.argv.slice(1);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream).pipe(client);
  const cut = () => { client.destroy(); upstream.destroy(); };
  client.on("error", cut); upstream.on("error", cut); client.on("close", cut); upstream.on("close", cut);
});
server.listen(Number(port), "127.0.0.1", () => console.log("relay ready"));
`;
