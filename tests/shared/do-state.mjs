// The Worker that defines the Durable Object class of the shared-state test: the package's
// SharedStateObject, exported as a user exports it, and a trivial fetch handler.
export { SharedStateObject } from "resilient-fetch/durable-object";

export default {
  async fetch() {
    return new Response("the Worker of the SharedStateObject class\n");
  },
};
