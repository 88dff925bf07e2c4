// The Worker's `Default` entrypoint as the runtime calls it: a new `Default(ctx, env)` per event,
// then `fetch` (relaxed: the JS Request becomes a `workers.Request`), or `scheduled` / `queue`
// with exactly (event, env, ctx), every argument through `python_from_rpc` (introspection.py).
import {
  ExecutionContext,
  MessageBatch,
  QueueMessage,
  ScheduledController,
  reportBackgroundError,
} from "./runtime_types.mjs";

export class Worker {
  #invokeNew;
  #Default;
  #env;

  constructor({ introspection, module, classes, env }) {
    if (!classes.workerEntrypoints.some((c) => c.className === "Default")) {
      throw new Error("the main module exports no `Default` class (a workers.WorkerEntrypoint subclass)");
    }
    this.#invokeNew = introspection.invoke_new;
    this.#Default = module.Default;
    this.#env = env;
  }

  #call(ctx, relaxed, method, ...args) {
    return this.#invokeNew(this.#Default, ctx, this.#env, relaxed, method, ...args);
  }

  /** The Worker's `fetch(request)`: a JS Response. */
  fetch(request) {
    return this.#call(new ExecutionContext(), true, "fetch", request);
  }

  /** `scheduled(controller, env, ctx)` once for `cron` at `scheduledTime` (epoch ms). */
  async scheduled(cron, scheduledTime = Date.now()) {
    const ctx = new ExecutionContext();
    await this.#call(ctx, false, "scheduled", new ScheduledController(cron, scheduledTime), this.#env, ctx);
  }

  /**
   * `queue(batch, env, ctx)` for one delivered batch; returns each message's fate. Messages the
   * consumer did not settle are acked when it returns and retried when it throws (Cloudflare
   * Queues), explicit ack()/retry() calls stand either way.
   */
  async queue({ queue, messages }) {
    const batch = new MessageBatch(queue, messages.map((message) => new QueueMessage(message)));
    let succeeded = true;
    try {
      const ctx = new ExecutionContext();
      await this.#call(ctx, false, "queue", batch, this.#env, ctx);
    } catch (error) {
      succeeded = false;
      reportBackgroundError(`queue consumer for ${queue}`, error);
    }
    const implicit = succeeded ? "ack" : { retry: {} };
    return Object.fromEntries(batch.messages.map((m) => [m.id, m.decision ?? implicit]));
  }
}
