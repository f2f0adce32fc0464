// Checked options as the engine's numbers (the numeric interface's option encoding): one
// number per schema row the engine decides on, in row order, `NaN` for "not given"; a group
// is its state (0 default, 1 given, 2 off) followed by every key of it; a timeout is `NaN`,
// `-Infinity` for `false`, or milliseconds; a name of a `oneOf` is its index; a list is its
// count followed by its items (method names go to the text, one per line). The engine's
// reader (src/faces/abi_options.rs) is generated from the same rows.

import { ROWS, type Row } from "./schema.js";

/** Rows only the driver reads: hooks and its own forms. */
const DRIVER = new Set(["function", "breakerKey", "idempotencyKey", "attemptHeader", "telemetry", "snapshot", "shared"]);
const ENGINE_ROWS = ROWS.filter((r) => !DRIVER.has(r.type));

type Bag = Record<string, unknown>;

function leaf(row: Row, v: unknown, slots: number[], lines: string[]): void {
  if (v === undefined) {
    slots.push(NaN);
    return;
  }
  switch (row.type) {
    case "boolean":
      slots.push(v ? 1 : 0);
      return;
    case "string":
      slots.push(row.check?.oneOf ? row.check.oneOf.indexOf(v as string) : NaN);
      return;
    case "timeout":
      slots.push(v === false ? -Infinity : (v as number));
      return;
    case "methods": {
      const items = (v as unknown[]).filter((x) => x !== undefined) as string[];
      slots.push(items.length);
      lines.push(...items);
      return;
    }
    case "statusCodes": {
      const items = (v as unknown[]).filter((x) => x !== undefined) as number[];
      slots.push(items.length, ...items);
      return;
    }
    default:
      slots.push(v as number);
  }
}

/** Options as the engine reads them, and the key of their content (the policy cache's). */
export interface Encoded {
  readonly slots: readonly number[];
  readonly text: string;
  readonly key: string;
}

/** The numbers and text of `options` (checked by `validateOptions` first). */
export function encode(options: Bag | undefined): Encoded {
  const slots: number[] = [];
  const lines: string[] = [];
  let group: Bag | undefined;
  let prefix = "";
  for (const row of ENGINE_ROWS) {
    const dot = row.path.indexOf(".");
    if (dot < 0 && row.type === "group") {
      const v = options?.[row.path];
      group = typeof v === "object" && v !== null ? (v as Bag) : undefined;
      prefix = row.path;
      slots.push(group ? 1 : v === false ? 2 : 0);
    } else if (dot < 0) {
      leaf(row, options?.[row.path], slots, lines);
    } else {
      leaf(row, row.path.slice(0, dot) === prefix ? group?.[row.path.slice(dot + 1)] : undefined, slots, lines);
    }
  }
  const text = lines.join("\n");
  return { slots, text, key: `${slots.join()}|${text}` };
}
