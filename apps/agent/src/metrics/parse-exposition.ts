// A strict reader of the Prometheus text format, for checking what the agent serves: every sample
// belongs to a family announced by HELP and TYPE before it, names and labels are well-formed, label
// values are properly escaped, no series repeats, counters end in _total and are never negative.
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
    if (!current || current.name !== name || !current.type) {
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
    if (current.type === "counter" && !(value >= 0))
      throw new ExpositionError(lineNumber, `counter ${name} is ${value}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new ExpositionError(lineNumber, `series repeated: ${line}`);
    series.add(key);
    current.samples.push({ name, labels, value });
  });
  for (const family of families.values()) {
    if (!family.type) throw new ExpositionError(0, `family ${family.name} has no TYPE`);
  }
  return families;
}
