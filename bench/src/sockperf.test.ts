import { describe, expect, it } from "vitest";
import { parseSockperfReport } from "./sockperf.js";

const SAMPLE = `sockperf: [Total Run] RunTime=1.001 sec; Warm up time=400 msec; SentMessages=21912; ReceivedMessages=21911
sockperf: ========= Printing statistics for Server No: 0
sockperf: [Valid Duration] RunTime=0.550 sec; SentMessages=10163; ReceivedMessages=10163
sockperf: Summary: Round trip is 54.113 usec
sockperf: ---> <MAX> observation = 1855.666
sockperf: ---> percentile 99.999 = 1855.666
sockperf: ---> percentile 99.900 =  112.517
sockperf: ---> percentile 99.000 =   81.440
sockperf: ---> percentile 50.000 =   52.548
sockperf: ---> <MIN> observation =   19.378`;

describe("sockperf report", () => {
  it("reads the valid-duration counts and percentiles", () => {
    expect(parseSockperfReport(SAMPLE)).toEqual({
      seconds: 0.55,
      received: 10163,
      p50: 52.548,
      p99: 81.44,
      p999: 112.517,
      max: 1855.666,
      points: [
        [0, 19.378],
        [50, 52.548],
        [99, 81.44],
        [99.9, 112.517],
        [99.999, 1855.666],
        [100, 1855.666],
      ],
    });
  });

  it("refuses output it does not understand", () => {
    expect(() => parseSockperfReport("sockperf: error")).toThrow(/unrecognised sockperf output/);
  });
});
