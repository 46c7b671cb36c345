import { describe, expect, it } from "vitest";
import { parseIsolcpus } from "./cpus.js";
import { parseChannels, parseDriverInfo } from "./ethtool.js";
import { kernelParameter, parseKernelCmdline } from "./kernel.js";
import { formatBytes, parseMeminfo } from "./memory.js";
import { pciAddressInPath } from "./nics.js";

describe("inventory parsers", () => {
  it("keeps the kernel's parameters and drops init's after a lone --", () => {
    const cmdline = parseKernelCmdline("ro isolcpus=2-3 quiet isolcpus=4-5 -- --init-flag isolcpus=9\n");
    expect(cmdline).toEqual(["ro", "isolcpus=2-3", "quiet", "isolcpus=4-5"]);
    expect(kernelParameter(cmdline, "isolcpus")).toBe("4-5");
    expect(kernelParameter(cmdline, "nohz_full")).toBeUndefined();
  });

  it("reads isolcpus= with and without flags", () => {
    expect(parseIsolcpus("2-3,6")).toEqual([2, 3, 6]);
    expect(parseIsolcpus("managed_irq,domain,2-3,6")).toEqual([2, 3, 6]);
    expect(parseIsolcpus("nohz,1")).toEqual([1]);
    expect(parseIsolcpus(undefined)).toEqual([]);
  });

  it("parses ethtool -l output, n/a included", () => {
    const text = [
      "Channel parameters for eth0:",
      "Pre-set maximums:",
      "RX:\t\tn/a",
      "TX:\t\tn/a",
      "Other:\t\t1",
      "Combined:\t63",
      "Current hardware settings:",
      "RX:\t\tn/a",
      "TX:\t\tn/a",
      "Other:\t\t1",
      "Combined:\t16",
    ].join("\n");
    expect(parseChannels(text)).toEqual({ max: { other: 1, combined: 63 }, current: { other: 1, combined: 16 } });
    expect(parseChannels("netlink error: Operation not supported")).toBeUndefined();
  });

  it("parses ethtool -i output", () => {
    expect(parseDriverInfo("driver: veth\nversion: 1.0\nbus-info: \n")).toEqual({ driver: "veth", busInfo: undefined });
    expect(parseDriverInfo("driver: ice\nbus-info: 0000:81:00.0\n").busInfo).toBe("0000:81:00.0");
  });

  it("parses meminfo in kB, per node too", () => {
    expect(parseMeminfo("MemTotal:       1024 kB\nHugePages_Total:       8\n")).toEqual(
      new Map([
        ["MemTotal", 1024 * 1024],
        ["HugePages_Total", 8],
      ]),
    );
    expect(parseMeminfo("Node 1 MemFree:   2 kB").get("MemFree")).toBe(2048);
  });

  it("finds the innermost PCI address in a device path", () => {
    expect(pciAddressInPath("/sys/devices/pci0000:00/0000:00:03.0/virtio2")).toBe("0000:00:03.0");
    expect(pciAddressInPath("/sys/devices/pci0000:80/0000:80:01.0/0000:81:00.1")).toBe("0000:81:00.1");
    expect(pciAddressInPath("/sys/devices/virtual/net/lo")).toBeUndefined();
  });

  it("formats sizes in binary units", () => {
    expect(formatBytes(2 * 1024 * 1024)).toBe("2 MiB");
    expect(formatBytes(2 ** 30)).toBe("1 GiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
  });
});
