// undici ships types for its index only; these are two of the files that index re-exports
// (nodejs/undici index.js), declared with the index's own types. Only what the project uses is declared.
declare module "undici/lib/dispatcher/agent.js" {
  import type { Agent } from "undici";
  /** Without the index, an agent has no request API on its prototype: only what it has of its own. */
  const AgentClass: new (options?: Agent.Options) => Pick<Agent, "dispatch" | "close" | "destroy">;
  export default AgentClass;
}
declare module "undici/lib/api/api-request.js" {
  import type { Dispatcher } from "undici";
  /** Dispatcher.prototype.request in the index: called with the dispatcher as `this`. */
  function request(
    this: Pick<Dispatcher, "dispatch">,
    options: Dispatcher.RequestOptions,
  ): Promise<Dispatcher.ResponseData>;
  export default request;
}
