// The app both bundlers build: one call through resilientFetch to a URL that answers 503
// then 200 (the page's ?api= parameter), and the result written into the page.
import { createResilientFetch } from "resilient-fetch";

const out = document.getElementById("out");
const api = createResilientFetch({ retry: { baseDelayMs: 50 } });
const target = new URLSearchParams(location.search).get("api");
try {
  const res = await api(target, { cache: "no-store" });
  const result = { status: res.status, body: await res.text(), retries: api.stats().retries };
  out.textContent = JSON.stringify(result);
} catch (e) {
  out.textContent = JSON.stringify({ error: String(e) });
}
document.body.dataset.done = "true";
