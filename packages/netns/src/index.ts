export { CommandError, type CommandResult, listNamespaces } from "./ip.js";
export { NAMESPACE_PREFIX, parseNamespaceName } from "./names.js";
export {
  createNetwork,
  HOST_IFACE,
  type Host,
  type HostNic,
  Network,
  type NetworkOptions,
  type Offloads,
  withNetwork,
} from "./network.js";
export { formatIpv4, hostAddress, parseIpv4, parseTestSubnet } from "./subnet.js";
export { sweepStaleNamespaces } from "./sweep.js";
