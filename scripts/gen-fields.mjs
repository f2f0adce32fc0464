// Writes src/engine/fields.rs from the option schema: the per-key decode arms (value tree ->
// the raw model of src/engine/raw.rs) and the range checks, in the schema's row order and
// words. Called by scripts/gen.mjs; the helpers it calls are hand-written: src/engine/read.rs (how each
// kind is read, the type errors) and src/engine/range.rs (each kind of range check).
//
// What is not generated, because it is not a field copy: the driver-only forms
// (`idempotencyKey`, `attemptHeader`, `breaker.key`), a group that holds one of them (its
// key is the driver's), and what the resolver builds from the checked values.

const snake = (s) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const pascal = (s) => s[0].toUpperCase() + s.slice(1);
const nameOf = (path) => path.split(".").pop();
const groupOf = (path) => (path.includes(".") ? path.split(".")[0] : "");

/// The kinds the generated decoder reads; every other kind is the driver's, decoded by hand.
const DECODERS = {
  number: "number",
  string: "string",
  boolean: "boolean",
  methods: "methods",
  statusCodes: "status_codes",
  timeout: "timeout",
};
const DRIVER_ONLY = new Set(["breakerKey", "idempotencyKey", "attemptHeader", "telemetry", "snapshot", "shared"]);

// The checked value's Rust type, the check's call (on `v`, the given value), and the
// default as a Rust literal (null: none the generator can spell, the field stays an Option).
function checked(row, mustBe) {
  const c = row.check ?? {};
  const p = JSON.stringify(row.path);
  const words = row.check ? JSON.stringify(mustBe(c)) : "";
  const numeric = /^-?\d+(\.\d+)?$/.test(row.default) ? row.default : null;
  if (c.count !== undefined) return { ty: "u32", call: `count(${p}, v, ${c.count}, ${words})`, def: numeric };
  if (c.millis) {
    return { ty: "u64", call: `millis(${p}, v, ${c.millis === "> 0"}, ${words})`, def: numeric && `${numeric}` };
  }
  const float = numeric && (numeric.includes(".") ? numeric : `${numeric}.0`);
  if (c.fraction) return { ty: "f64", call: `fraction(${p}, v, ${c.fraction === "[0,1]"}, ${words})`, def: float };
  if (c.number) return { ty: "f64", call: `non_negative(${p}, v, ${c.number === "> 0"}, ${words})`, def: float };
  if (c.oneOf) {
    const names = `&[${c.oneOf.map((n) => JSON.stringify(n)).join(", ")}]`;
    const def = c.oneOf.map((n) => JSON.stringify(n)).includes(row.default) ? row.default : null;
    return { ty: "&'static str", call: `one_of(${p}, v, ${names}, ${words})`, def, by: "as_deref" };
  }
  if (c.each === "method") return { ty: "Vec<String>", call: `method_names(${p}, v, ${words})`, def: null, by: "as_deref" };
  if (c.each === "status") return { ty: "Vec<u16>", call: `status_list(${p}, v, ${words})`, def: null, by: "as_deref" };
  if (row.type === "boolean") return { ty: "bool", call: null, def: /^(true|false)$/.test(row.default) ? row.default : null };
  return null;
}

export function rustFields(ROWS, mustBe, header) {
  const top = ROWS.filter((r) => !r.path.includes("."));
  const groups = top.filter((r) => r.type === "group");
  const children = (g) => ROWS.filter((r) => groupOf(r.path) === g.path);
  const generatedGroup = (g) => !children(g).some((r) => DRIVER_ONLY.has(r.type));
  const constName = (g) => snake(g.path).toUpperCase();
  const raws = groups.map((g) => `${pascal(g.path)}Options`);

  let out = `// ${header}

//! The option schema's per-key decode arms and range checks, generated from its rows.
//!
//! Decoding (called by [\`super::options::decode\`]): \`decode_<group>\` reads one key of an
//! option object into the raw model and \`decode_top\` one top-level key; each answers
//! \`false\` for a key it leaves to the hand-written decoder (the driver-only forms).
//!
//! Checking (called by [\`super::policy::Policy::from_options\`]): \`check_options\` runs every
//! range check in the schema's row order, group by group, with the schema's words, and
//! returns the checked values with the defaults the schema spells; it never builds a
//! config: that is the resolver's business.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::range::{count, fraction, method_names, millis, non_negative, one_of, required, status_list};
use super::read::{boolean, function, group, methods, number, status_codes, string, timeout};
use super::raw::{${[...raws, "OptionError", "Options", "Setting"].join(", ")}};
use super::schema::{${groups.filter(generatedGroup).map(constName).join(", ")}};
use super::value::Value;
`;

  // Decoding.
  const arm = (r, target, p) => {
    if (r.type === "function") return null;
    const f = DECODERS[r.type];
    return f ? `${JSON.stringify(nameOf(r.path))} => ${target}.${snake(nameOf(r.path))} = ${f}(${p}, v)?,` : null;
  };
  for (const g of groups) {
    const raw = `${pascal(g.path)}Options`;
    const arms = children(g).map((r) => arm(r, "o", "p")).filter(Boolean);
    out += `
/// Reads the key \`key\` of \`${g.path}\` (at path \`p\`) into \`o\`; \`false\`: not a key it reads.
pub(crate) fn decode_${snake(g.path)}(o: &mut ${raw}, key: &str, p: &str, v: &Value) -> Result<bool, OptionError> {
    match key {
${arms.map((a) => `        ${a}\n`).join("")}        _ => return Ok(false),
    }
    Ok(true)
}
`;
  }
  const topArms = [];
  for (const r of top) {
    const key = JSON.stringify(r.path);
    if (r.type === "group") {
      if (!generatedGroup(r)) continue;
      const req = children(r).find((c) => c.check?.required);
      const needs = req ? `Some(${JSON.stringify(nameOf(req.path))})` : "None";
      topArms.push(`${key} => o.${snake(r.path)} = group(${key}, v, ${constName(r)}, ${needs}, decode_${snake(r.path)})?,`);
    } else if (r.type !== "function") {
      const a = arm(r, "o", "key");
      if (a) topArms.push(a);
    }
  }
  const hooks = top.filter((r) => r.type === "function").map((r) => JSON.stringify(r.path));
  if (hooks.length) topArms.push(`${hooks.join(" | ")} => function(key, v)?,`);
  out += `
/// Reads the top-level option \`key\` into \`o\`; \`false\`: not a key it reads.
pub(crate) fn decode_top(o: &mut Options, key: &str, v: &Value) -> Result<bool, OptionError> {
    match key {
${topArms.map((a) => `        ${a}\n`).join("")}        _ => return Ok(false),
    }
    Ok(true)
}
`;

  // Checking.
  const fieldOf = (r) => {
    const c = checked(r, mustBe);
    if (!c) return null;
    const required = Boolean(r.check?.required);
    const ty = required || c.def !== null ? c.ty : `Option<${c.ty}>`;
    return { ...c, required, type: ty, name: snake(nameOf(r.path)) };
  };
  const valueOf = (r, f, given) => {
    const p = JSON.stringify(r.path);
    if (!f.call) return f.def !== null ? `${given}.unwrap_or(${f.def})` : given;
    if (f.required) {
      return `{ let v = required(${p}, ${given}, ${JSON.stringify(mustBe(r.check))})?; ${f.call}? }`;
    }
    const src = f.by === "as_deref" ? `${given}.as_deref()` : given;
    const opt = `${src}.map(|v| ${f.call}).transpose()?`;
    return f.def !== null ? `${opt}.unwrap_or(${f.def})` : opt;
  };
  const checkedGroups = [];
  for (const g of groups) {
    const rows = children(g).map((r) => [r, fieldOf(r)]).filter(([, f]) => f);
    const name = `${pascal(g.path)}Checked`;
    checkedGroups.push(g);
    out += `
/// \`${g.path}.*\`, range-checked, with the defaults the schema spells.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ${name} {
${rows.map(([r, f]) => `    /// \`${r.path}\`: ${r.doc} Default: ${r.default}.\n    pub ${f.name}: ${f.type},\n`).join("")}}
`;
    const exclusive = children(g).filter((r) => r.check?.absentWith);
    let body = "";
    for (const r of exclusive) {
      const other = `${g.path}.${r.check.absentWith}`;
      body += `    if let (Some(_), Some(v)) = (o.${snake(r.check.absentWith)}, o.${snake(nameOf(r.path))}) {
        return Err(Box::new(OptionError::range(${JSON.stringify(r.path)}, ${JSON.stringify(`absent when ${other} is set`)}, Value::Number(v))));
    }\n`;
    }
    for (const [r, f] of rows) body += `    let ${f.name} = ${valueOf(r, f, `o.${f.name}`)};\n`;
    out += `
/// Checks \`${g.path}.*\` in row order${exclusive.length ? " (exclusive keys first)" : ""}.
pub(crate) fn check_${snake(g.path)}(o: &${pascal(g.path)}Options) -> Result<${name}, Box<OptionError>> {
${body}    Ok(${name} { ${rows.map(([, f]) => f.name).join(", ")} })
}
`;
  }
  const topFields = [];
  const topBody = [];
  for (const r of top) {
    const name = snake(r.path);
    if (r.type === "group") {
      topFields.push(`    /// \`${r.path}\`: ${r.doc}\n    pub ${name}: Setting<${pascal(r.path)}Checked>,\n`);
      topBody.push(`    let ${name} = match &o.${name} {
        Setting::Default => Setting::Default,
        Setting::Off => Setting::Off,
        Setting::On(g) => Setting::On(check_${name}(g)?),
    };\n`);
    } else if (r.type === "timeout") {
      const p = JSON.stringify(r.path);
      topFields.push(`    /// \`${r.path}\`: ${r.doc} \`None\`: off.\n    pub ${name}: Option<u64>,\n`);
      topBody.push(`    let ${name} = match o.${name} {
        Setting::Default => Some(${r.default}),
        Setting::Off => None,
        Setting::On(v) => Some(millis(${p}, v, ${r.check.millis === "> 0"}, ${JSON.stringify(mustBe(r.check))})?),
    };\n`);
    } else if (r.type === "boolean" || r.type === "number") {
      const f = fieldOf(r);
      topFields.push(`    /// \`${r.path}\`: ${r.doc} Default: ${r.default}.\n    pub ${name}: ${f.type},\n`);
      topBody.push(`    let ${name} = ${valueOf(r, f, `o.${name}`)};\n`);
    }
  }
  const names = top.filter((r) => ["group", "timeout", "boolean", "number"].includes(r.type)).map((r) => snake(r.path));
  out += `
/// Every option the engine decides on, range-checked, with the defaults the schema spells.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Checked {
${topFields.join("")}}

/// Runs every range check, in the schema's row order: the first invalid option is the one
/// the TypeScript validator names too.
pub(crate) fn check_options(o: &Options) -> Result<Checked, Box<OptionError>> {
${topBody.join("")}    Ok(Checked { ${names.join(", ")} })
}
`;
  return out;
}

// The component's copy of the WIT `policy` record into the raw model (src/faces/
// component_options.rs): the fields of the records scripts/gen.mjs writes into wit/engine.wit,
// one for one. A required WIT field is a plain value; the raw model holds it as `Some`.
export function componentOptions(ROWS, header) {
  const driverOnly = new Set([...DRIVER_ONLY, "function"]);
  const top = ROWS.filter((r) => !r.path.includes("."));
  const groups = top.filter((r) => r.type === "group");
  const fieldsOf = (g, from) =>
    ROWS.filter((r) => groupOf(r.path) === g.path && !driverOnly.has(r.type))
      .map((r) => {
        const f = snake(nameOf(r.path));
        return `${f}: ${r.check?.required ? `Some(${from}.${f})` : `${from}.${f}`},`;
      })
      .join(" ");
  const wit = groups.filter((g) => g.default === "on").map((g) => `${pascal(g.path)}Setting`);
  let body = "";
  for (const r of top.filter((r) => !driverOnly.has(r.type))) {
    const f = snake(r.path);
    if (r.type === "group" && r.default === "on") {
      const s = `${pascal(r.path)}Setting`;
      body += `${f}: match p.${f} { ${s}::Default => Setting::Default, ${s}::Off => Setting::Off, ${s}::On(g) => Setting::On(raw::${pascal(r.path)}Options { ${fieldsOf(r, "g")} }) },\n`;
    } else if (r.type === "group") {
      body += `${f}: p.${f}.map_or(Setting::Off, |g| Setting::On(raw::${pascal(r.path)}Options { ${fieldsOf(r, "g")} })),\n`;
    } else if (r.type === "timeout") {
      body += `${f}: match p.${f} { TimeoutSetting::Default => Setting::Default, TimeoutSetting::Off => Setting::Off, TimeoutSetting::On(ms) => Setting::On(ms) },\n`;
    } else {
      body += `${f}: p.${f},\n`;
    }
  }
  return `// ${header}

//! The WIT \`policy\` record (wit/engine.wit, its option records generated from the same rows)
//! copied into the engine's raw option model, field for field: every check is the engine's.

use super::component::exports::resilient::fetch::engine::{${[...wit, "Policy", "TimeoutSetting"].join(", ")}};
use crate::engine::raw::{self, Options, Setting};

/// The WIT \`policy\` as the engine's raw options.
pub(super) fn options(p: Policy) -> Options {
    Options {
${body}    }
}
`;
}

// The raw option model's structs (src/engine/raw_options.rs, included by src/engine/raw.rs):
// every option the engine decides on, as given: each field optional, each number an f64.
export function rawOptions(ROWS, header) {
  const driverOnly = new Set([...DRIVER_ONLY, "function"]);
  const top = ROWS.filter((r) => !r.path.includes("."));
  const groups = top.filter((r) => r.type === "group");
  const scalar = { number: "f64", string: "String", boolean: "bool", methods: "Vec<String>", statusCodes: "Vec<f64>" };
  const doc = (r) => {
    const def = r.default === "required" ? "Required." : `Default: ${r.default}.`;
    return `/// \`${r.path}\`: ${r.doc} ${def}`;
  };
  let out = `// ${header}
//
// Included by src/engine/raw.rs (not a module of its own): the raw model's option structs.
`;
  for (const g of groups) {
    const rows = ROWS.filter((r) => groupOf(r.path) === g.path);
    const hosts = rows.filter((r) => driverOnly.has(r.type)).map((r) => `\`${nameOf(r.path)}\``);
    out += `
/// \`${g.path}.*\`, as given${hosts.length ? ` (${hosts.join(", ")}: the driver's)` : ""}.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ${pascal(g.path)}Options {
${rows.filter((r) => !driverOnly.has(r.type)).map((r) => `    ${doc(r)}\n    pub ${snake(nameOf(r.path))}: Option<${scalar[r.type]}>,\n`).join("")}}
`;
  }
  const field = (r) => {
    const ty = r.type === "group" ? `Setting<${pascal(r.path)}Options>` : r.type === "timeout" ? "Setting<f64>" : `Option<${scalar[r.type]}>`;
    return `    ${doc(r)}\n    pub ${snake(r.path)}: ${ty},\n`;
  };
  out += `
/// Every option the engine decides on, as given by the caller.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Options {
${top.filter((r) => !driverOnly.has(r.type)).map(field).join("")}}
`;
  return out;
}

// The numeric interface's copy of the option encoding into the raw model (src/faces/
// abi_options.rs): one read per row the engine decides on, in row order, as js/encode.ts
// writes them (groups: their state, then every key, given or not).
export function abiOptions(ROWS, header) {
  const driverOnly = new Set([...DRIVER_ONLY, "function"]);
  const top = ROWS.filter((r) => !r.path.includes("."));
  const read = (r) => {
    switch (r.type) {
      case "number": return "r.num()";
      case "boolean": return "r.flag()";
      case "string": return `r.name(&[${r.check.oneOf.map((n) => JSON.stringify(n)).join(", ")}])`;
      case "methods": return "r.names()";
      case "statusCodes": return "r.numbers()";
      case "timeout": return "r.timeout()";
      default: throw new Error(`${r.path}: no numeric form for ${r.type}`);
    }
  };
  let body = "";
  const fields = [];
  for (const r of top.filter((r) => !driverOnly.has(r.type))) {
    const f = snake(r.path);
    if (r.type === "group") {
      const keys = ROWS.filter((c) => groupOf(c.path) === r.path && !driverOnly.has(c.type));
      body += `    let ${f}_state = r.group();\n`;
      body += `    let ${f} = raw::${pascal(r.path)}Options { ${keys.map((c) => `${snake(nameOf(c.path))}: ${read(c)},`).join(" ")} };\n`;
      fields.push(`${f}: setting(${f}_state, ${f}),`);
    } else {
      body += `    let ${f} = ${read(r)};\n`;
      fields.push(`${f},`);
    }
  }
  return `// ${header}

//! The option encoding of the numeric interface (see \`Reader\` in abi.rs, and js/encode.ts,
//! which writes it from the same rows) read into the engine's raw option model.

use super::abi::Reader;
use crate::engine::raw::{self, Options, Setting};

fn setting<T>(state: u8, value: T) -> Setting<T> {
    match state {
        1 => Setting::On(value),
        2 => Setting::Off,
        _ => Setting::Default,
    }
}

/// The options \`r\` holds.
pub(super) fn options(r: &mut Reader<'_>) -> Options {
${body}    Options {
${fields.join("\n")}
    }
}
`;
}
