// A strict reader of the Prometheus text format, for checking what the agent serves: every sample
// belongs to a family announced by HELP and TYPE before it, names and labels are well-formed, label
// values are properly escaped, no series repeats, counters end in _total and are never negative,
// histogram buckets carry le, are cumulative, end at +Inf and agree with _count.
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export class ExpositionError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

function parseLabels(text: string, lineNumber: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let index = 1; // after "{"
  for (;;) {
    if (text[index] === "}") return { labels, rest: text.slice(index + 1) };
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(index));
    if (!nameMatch) throw new ExpositionError(lineNumber, `bad label name at "${text.slice(index)}"`);
    const name = nameMatch[0];
    index += name.length;
    if (text.slice(index, index + 2) !== '="') throw new ExpositionError(lineNumber, `label ${name}: expected ="`);
    index += 2;
    let value = "";
    for (;;) {
      const char = text[index];
      if (char === undefined) throw new ExpositionError(lineNumber, `label ${name}: unterminated value`);
      if (char === '"') break;
      if (char === "\n") throw new ExpositionError(lineNumber, `label ${name}: raw newline`);
      if (char === "\\") {
        const next = text[index + 1];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else throw new ExpositionError(lineNumber, `label ${name}: bad escape \\${next}`);
        index += 2;
        continue;
      }
      value += char;
      index += 1;
    }
    index += 1; // closing quote
    if (!LABEL_NAME.test(name) || name.startsWith("__")) throw new ExpositionError(lineNumber, `bad label ${name}`);
    if (name in labels) throw new ExpositionError(lineNumber, `label ${name} repeated`);
    labels[name] = value;
    if (text[index] === ",") index += 1;
    else if (text[index] !== "}") throw new ExpositionError(lineNumber, `expected , or } after label ${name}`);
  }
}

function parseValue(text: string, lineNumber: number): number {
  if (text === "NaN") return Number.NaN;
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new ExpositionError(lineNumber, `bad value "${text}"`);
  return Number(text);
}

export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith("\n")) throw new ExpositionError(0, "the exposition must end with a newline");
  const families = new Map<string, ParsedFamily>();
  const series = new Set<string>();
  let current: ParsedFamily | undefined;
  const lines = text.slice(0, -1).split("\n");
  lines.forEach((line, offset) => {
    const lineNumber = offset + 1;
    if (line === "") throw new ExpositionError(lineNumber, "empty line");
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new ExpositionError(lineNumber, `bad metric name ${name}`);
      if (kind === "HELP") {
        if (families.has(name)) throw new ExpositionError(lineNumber, `family ${name} appears twice`);
        current = { name, help: rest, type: "", samples: [] };
        families.set(name, current);
        return;
      }
      if (current?.name !== name) throw new ExpositionError(lineNumber, `TYPE ${name} without its HELP line first`);
      if (current.type) throw new ExpositionError(lineNumber, `second TYPE for ${name}`);
      if (!TYPES.has(rest)) throw new ExpositionError(lineNumber, `unknown type ${rest}`);
      if (rest === "counter" && !name.endsWith("_total")) {
        throw new ExpositionError(lineNumber, `counter ${name} does not end in _total`);
      }
      current.type = rest;
      return;
    }
    if (line.startsWith("#")) throw new ExpositionError(lineNumber, `unexpected comment "${line}"`);
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) throw new ExpositionError(lineNumber, `bad sample line "${line}"`);
    const name = nameMatch[0];
    const histogramSeries = current?.type === "histogram" && /_(bucket|sum|count)$/.test(name);
    const familyName = histogramSeries ? name.replace(/_(bucket|sum|count)$/, "") : name;
    if (!current || current.name !== familyName || !current.type) {
      throw new ExpositionError(lineNumber, `sample ${name} outside its family (HELP and TYPE must come first)`);
    }
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) ({ labels, rest } = parseLabels(rest, lineNumber));
    if (!rest.startsWith(" ")) throw new ExpositionError(lineNumber, "expected one space before the value");
    const fields = rest.slice(1).split(" ");
    if (fields.length > 2) throw new ExpositionError(lineNumber, "too many fields");
    const value = parseValue(fields[0]!, lineNumber);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new ExpositionError(lineNumber, "bad timestamp");
    if (current.type === "histogram" && !histogramSeries) {
      throw new ExpositionError(lineNumber, `histogram ${current.name} sample ${name} is not _bucket, _sum or _count`);
    }
    if (name.endsWith("_bucket") && histogramSeries && labels.le === undefined) {
      throw new ExpositionError(lineNumber, `${name} without an le label`);
    }
    if (current.type === "counter" && !(value >= 0))
      throw new ExpositionError(lineNumber, `counter ${name} is ${value}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new ExpositionError(lineNumber, `series repeated: ${line}`);
    series.add(key);
    current.samples.push({ name, labels, value });
  });
  for (const family of families.values()) {
    if (!family.type) throw new ExpositionError(0, `family ${family.name} has no TYPE`);
    if (family.type === "histogram") checkHistogram(family);
  }
  return families;
}

/** Per label set (le aside): buckets in increasing le, cumulative, ending at +Inf equal to _count. */
function checkHistogram(family: ParsedFamily): void {
  const seriesKey = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([key]) => key !== "le")
        .sort(),
    );
  const buckets = new Map<string, { le: number; value: number }[]>();
  const counts = new Map<string, number>();
  for (const sample of family.samples) {
    const key = seriesKey(sample.labels);
    if (sample.name.endsWith("_count")) counts.set(key, sample.value);
    if (!sample.name.endsWith("_bucket")) continue;
    const le = sample.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
    if (Number.isNaN(le)) throw new ExpositionError(0, `${family.name}: bad le "${sample.labels.le}"`);
    buckets.set(key, [...(buckets.get(key) ?? []), { le, value: sample.value }]);
  }
  for (const [key, series] of buckets) {
    series.forEach((bucket, index) => {
      const previous = series[index - 1];
      if (previous && !(bucket.le > previous.le)) throw new ExpositionError(0, `${family.name}: le not increasing`);
      if (previous && bucket.value < previous.value) {
        throw new ExpositionError(0, `${family.name}: buckets not cumulative at le ${bucket.le}`);
      }
    });
    const last = series.at(-1);
    if (last?.le !== Number.POSITIVE_INFINITY) throw new ExpositionError(0, `${family.name}: no +Inf bucket`);
    if (counts.get(key) !== last.value) throw new ExpositionError(0, `${family.name}: +Inf bucket differs from _count`);
  }
}
