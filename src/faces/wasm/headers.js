// The rate-limit fields of a response, read in one pass over its headers (one crossing of the
// Wasm boundary, however many dialects the engine reads): "name\nvalue\n..." for every field
// whose name starts like one the engine knows (names come lower-case from Headers), or "".
const PREFIXES = ["ratelimit", "x-ratelimit", "x-rate-limit", "anthropic-ratelimit"];

export function rateLimitFields(response) {
  let out = "";
  try {
    for (const [name, value] of response.headers) {
      if (PREFIXES.some((p) => name.startsWith(p))) out += `${name}\n${value}\n`;
    }
  } catch {
    // Headers that cannot be iterated carry no fields we can read.
  }
  return out;
}
