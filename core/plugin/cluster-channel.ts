import cluster, { type Worker } from 'node:cluster';

/**
 * Where a plugin instance runs: the only process of an exchange (`single`: `--workers 1`, `Exchange.start`), an
 * auction worker of `rtb start --workers N` (`worker`), or that cluster's primary (`primary`), which runs no
 * auctions and holds what the machine's workers must share (the `notices` plugin's billed set, journal and delivery).
 */
export type ClusterRole = 'single' | 'worker' | 'primary';

/** A handler of one topic in the primary: the message's payload and the slot of the worker that sent it. */
export type TopicHandler = (payload: unknown, from: { readonly slot: number }) => unknown;

/**
 * How a plugin's instances in a cluster talk (`Tokens.Cluster`): a worker posts to or asks the primary on a topic
 * (the plugin's own names, prefixed by its name by convention), and the primary serves each topic. Messages go over
 * node:cluster's IPC channel; a plugin sends them in batches, never one per auction. In a `single` process there is
 * no primary: a plugin does its shared work itself.
 */
export interface ClusterChannel {
  readonly role: ClusterRole;
  /**
   * Worker: hands the primary a message that needs no answer. Resolves once it is written to the channel (a worker
   * that stops awaits its last post, so that exiting does not drop it); rejects when the primary is gone.
   */
  post(topic: string, payload: unknown): Promise<void>;
  /** Worker: asks the primary; resolves with what its handler returned (awaited), rejects with what it threw. */
  request<T>(topic: string, payload: unknown): Promise<T>;
  /** Primary: answers `topic` from every worker, present and future. */
  serve(topic: string, handler: TopicHandler): void;
}

/** What travels on node:cluster's IPC channel for plugins: a worker's post or request, and the primary's answer. */
type PluginMessage =
  | { type: 'rtb:plugin'; topic: string; id?: number; payload: unknown }
  | { type: 'rtb:plugin:answer'; id: number; ok: true; value: unknown }
  | { type: 'rtb:plugin:answer'; id: number; ok: false; error: string };

/** The channel of a process that is the whole exchange: nothing to talk to. */
export const SINGLE_PROCESS: ClusterChannel = {
  role: 'single',
  post: () => Promise.reject(new Error('cluster channel: a single process has no primary to post to')),
  request: () => Promise.reject(new Error('cluster channel: a single process has no primary to ask')),
  serve: () => {
    throw new Error('cluster channel: only a cluster primary serves topics');
  },
};

/** A cluster worker's channel to its primary. */
export function workerChannel(): ClusterChannel {
  let nextId = 0;
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  process.on('message', (message: PluginMessage) => {
    if (message?.type !== 'rtb:plugin:answer') return;
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.ok) pending?.resolve(message.value);
    else pending?.reject(new Error(message.error));
  });
  // A worker whose primary is gone exits (node:cluster); what it was waiting for will not come.
  process.on('disconnect', () => {
    for (const pending of waiting.values()) pending.reject(new Error('cluster channel: the primary is gone'));
    waiting.clear();
  });
  const send = (message: PluginMessage, sent?: (error: Error | null) => void) => {
    if (!process.connected) throw new Error('cluster channel: the primary is gone');
    process.send!(message, undefined, undefined, sent);
  };
  return {
    role: 'worker',
    post: (topic, payload) => new Promise<void>((resolve, reject) => {
      try {
        send({ type: 'rtb:plugin', topic, payload }, (error) => (error ? reject(error) : resolve()));
      } catch (error) {
        reject(error as Error);
      }
    }),
    request: <T>(topic: string, payload: unknown) => new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        send({ type: 'rtb:plugin', topic, id, payload });
      } catch (error) {
        waiting.delete(id);
        reject(error as Error);
      }
    }),
    serve: () => {
      throw new Error('cluster channel: only a cluster primary serves topics');
    },
  };
}

/**
 * The primary's channel: answers every worker's messages. `slotOf` names a worker's slot. A message on a topic
 * nobody serves is answered with an error (a request) or dropped (a post).
 */
export function primaryChannel(slotOf: (worker: Worker) => number): ClusterChannel {
  const handlers = new Map<string, TopicHandler>();
  cluster.on('message', (worker: Worker, message: PluginMessage) => {
    if (message?.type !== 'rtb:plugin') return;
    const { id, topic } = message;
    const answer = (reply: PluginMessage) => {
      if (id !== undefined && worker.isConnected()) worker.send(reply);
    };
    const handler = handlers.get(topic);
    if (!handler) {
      if (id !== undefined) answer({ type: 'rtb:plugin:answer', id, ok: false, error: `cluster channel: no handler for "${topic}"` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.payload, { slot: slotOf(worker) }))
      .then(
        (value) => id !== undefined && answer({ type: 'rtb:plugin:answer', id, ok: true, value }),
        (error: unknown) => id !== undefined && answer({ type: 'rtb:plugin:answer', id, ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
  });
  return {
    role: 'primary',
    post: () => Promise.reject(new Error('cluster channel: the primary posts to nobody')),
    request: () => Promise.reject(new Error('cluster channel: the primary asks nobody')),
    serve: (topic, handler) => {
      handlers.set(topic, handler);
    },
  };
}
