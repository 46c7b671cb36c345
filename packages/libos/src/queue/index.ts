export { Driver, type DriverOptions } from "./driver.js";
export { Libos, type LibosCounters, type SocketOption, type WaitOptions } from "./libos.js";
export { NextWait, type RequestApp, RequestService, type RequestServiceOptions } from "./service.js";
export { acceptConnections, Connection, connect, createServer, type Server } from "./streams.js";
export {
  type Address,
  ipToNumber,
  ipToString,
  type LibosConfig,
  type Opcode,
  type QResult,
  type QToken,
} from "./types.js";
