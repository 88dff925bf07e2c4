// The JS objects the Workers runtime hands to handlers, as class instances named like the real
// ones: the SDK picks its wrappers by `constructor.name`, and `python_from_rpc` turns plain
// objects into dicts (then `msg.ack()` would not exist), so object literals will not do.

/** Reports a failure that no caller awaits (waitUntil tasks, background work). */
export function reportBackgroundError(what, error) {
  console.error(`edge host: ${what} failed:\n${error?.message ?? error}`);
}

export class ExecutionContext {
  constructor() {
    this.props = {};
  }

  /**
   * `ctx.waitUntil(promise)`: keep work alive after the response. Python hands a *borrowed*
   * proxy of its future, destroyed when this call returns, so subscribe synchronously.
   */
  waitUntil(promise) {
    new Promise((resolve, reject) => promise.then(resolve, reject)).catch((error) =>
      reportBackgroundError("ctx.waitUntil task", error),
    );
  }

  passThroughOnException() {}
}

export class ScheduledController {
  constructor(cron, scheduledTime) {
    this.cron = cron;
    this.scheduledTime = scheduledTime;
    this.noRetryRequested = false;
  }

  noRetry() {
    this.noRetryRequested = true;
  }
}

export class QueueMessage {
  /** `decision` is what the consumer said first: undefined (implicit), "ack" or {retry: options};
   * a later, different call has no effect (as in the local runtime). */
  constructor({ id, body, attempts, timestamp }) {
    this.id = id;
    this.body = body;
    this.attempts = attempts;
    this.timestamp = new Date(timestamp);
    this.decision = undefined;
  }

  ack() {
    this.decision ??= "ack";
  }

  retry(options) {
    this.decision ??= { retry: options ?? {} };
  }
}

export class MessageBatch {
  constructor(queue, messages) {
    this.queue = queue;
    this.messages = messages;
  }

  ackAll() {
    for (const message of this.messages) message.ack();
  }

  retryAll(options) {
    for (const message of this.messages) message.retry(options);
  }
}
