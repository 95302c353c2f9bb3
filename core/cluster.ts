import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { ERROR_CODES, type ErrorCode } from './config/error-codes.js';
import { RtbStartupError } from './config/errors.js';
import type { RtbConfig } from './config/schema.js';
import type { ExchangeLog } from './log.js';
import type { ExchangeMetrics } from './metrics.js';
import { ProcessQpsShare, type QpsShare } from './auction/qps-share.js';
import { primaryChannel, type ClusterChannel } from './plugin/cluster-channel.js';
import { problemCode, type StartFailure } from './startup-failure.js';

/** The environment variable that tells a worker its slot (0 … N-1): the same slot after a restart. */
const SLOT_ENV = 'RTB_WORKER_SLOT';
/** A worker that dies sooner than this after its start is restarted only after the same delay (no crash loop). */
const CRASH_LOOP_MS = 2_000;
/** How long the primary waits for every worker's metrics. */
const COLLECT_TIMEOUT_MS = 2_000;
/**
 * Workers dying before they listened, this many in a row (no worker listening in between), stop the cluster: the
 * cause is in what they all share (a port taken, a journal folder not writable), and a supervisor should see it.
 */
export const MAX_START_FAILURES = 3;

type Snapshot = MetricObjectWithValues<MetricValue<string>>[];
type ClusterMessage =
  | { type: 'rtb:metrics:ask'; id: number }
  | { type: 'rtb:metrics:snapshot'; id: number; metrics: Snapshot }
  | { type: 'rtb:metrics:text'; id: number; text: string }
  | { type: 'rtb:listening' }
  | { type: 'rtb:qps-share'; fraction: number }
  | ({ type: 'rtb:start-failed' } & StartFailure);

/** The slot of this worker process, or undefined outside a cluster. */
export function workerSlot(): number | undefined {
  return cluster.isWorker && process.env[SLOT_ENV] !== undefined ? Number(process.env[SLOT_ENV]) : undefined;
}

/**
 * What a worker changes in the config: sidecars run once, in the primary; and each bidder's `maxQps` is shared
 * out, a `workers`-th to each (the workers take turns at new connections, so their shares of the load are about
 * even). The notices journal is the primary's alone (its {@link PrimaryPart}).
 */
export function configForWorker(config: RtbConfig, workers: number): RtbConfig {
  const bidders = Object.fromEntries(Object.entries(config.bidders).map(([name, bidder]) =>
    [name, bidder.maxQps === undefined ? bidder : { ...bidder, maxQps: bidder.maxQps / workers }]));
  return { ...config, bidders, sidecars: [] };
}

/**
 * What the primary itself runs of the exchange (`ExchangePrimary`): the plugins' shared parts, started on the
 * primary's cluster channel before any worker is forked and stopped once every worker has exited.
 */
export interface PrimaryPart {
  /** The primary's own metrics, summed with the workers' on every scrape. */
  readonly metrics: Pick<ExchangeMetrics, 'snapshot'>;
  stop(): Promise<void>;
}

/** Tells the primary that this worker listens (it counts as started). */
export function reportListening(): void {
  process.send?.({ type: 'rtb:listening' } satisfies ClusterMessage);
}

/** Tells the primary why this worker could not start, then calls `done` (once the message is sent). */
export function reportStartFailure(failure: StartFailure, done: () => void): void {
  if (!process.send?.({ type: 'rtb:start-failed', ...failure } satisfies ClusterMessage, () => done())) done();
}

/**
 * The primary of `rtb start --workers N`: starts the config's sidecars once, then its own part of the exchange
 * (`startPart`, on the channel workers' plugins reach it by), forks N workers sharing the port (node:cluster),
 * restarts any worker that dies, answers metrics requests with every worker's sum, on
 * SIGHUP reopens `log.file` and passes the signal on to every worker (log rotation: all of them append to the
 * file), and once `stopRequested` resolves (SIGTERM/SIGINT) stops the workers (each finishes its auctions and
 * hands its notices over), then its own part (which drains the notices) and the sidecars. Resolves with the exit code: 0, or 1 after {@link MAX_START_FAILURES}
 * workers in a row died before they listened (their reason is then thrown as the start-up failure).
 */
export async function runPrimary(
  config: RtbConfig,
  workers: number,
  primaryLog: ExchangeLog,
  stopRequested: Promise<void>,
  startPart: (channel: ClusterChannel, qpsShare: QpsShare) => Promise<PrimaryPart>,
): Promise<number> {
  const { log } = primaryLog;
  let stopping = false;
  let nextAsk = 0;
  let failedStarts = 0;
  let gaveUp: StartFailure | undefined;
  let giveUp: () => void = () => undefined;
  const slots = new Map<Worker, { slot: number; startedAt: number; listened: boolean; failure?: StartFailure }>();
  process.on('SIGHUP', () => {
    primaryLog.reopen();
    for (const worker of slots.keys()) if (!worker.isDead()) worker.process.kill('SIGHUP');
  });
  const sidecars: Array<Awaited<ReturnType<RtbConfig['sidecars'][number]>>> = [];
  const closeSidecars = async () => {
    for (const sidecar of sidecars) await sidecar.close().catch(() => undefined);
  };
  for (const start of config.sidecars) sidecars.push(await start());
  // The node's share of the fleet's caps, as the state backend learns it, goes to every worker (and to each new one).
  const qpsShare = new ProcessQpsShare(workers, () => {
    for (const worker of slots.keys()) tellShare(worker);
  });
  const tellShare = (worker: Worker) => {
    if (qpsShare.current !== 1 && worker.isConnected()) worker.send({ type: 'rtb:qps-share', fraction: qpsShare.current } satisfies ClusterMessage);
  };
  let part: PrimaryPart;
  try {
    part = await startPart(primaryChannel((worker) => slots.get(worker)?.slot ?? -1), qpsShare);
  } catch (error) {
    await closeSidecars();
    throw error;
  }
  const fork = (slot: number) => {
    const worker = cluster.fork({ [SLOT_ENV]: String(slot) });
    const state: { slot: number; startedAt: number; listened: boolean; failure?: StartFailure } = { slot, startedAt: Date.now(), listened: false };
    slots.set(worker, state);
    worker.on('message', (message: ClusterMessage) => {
      if (message?.type === 'rtb:metrics:ask') void collect(worker, message.id);
      else if (message?.type === 'rtb:listening') {
        state.listened = true;
        failedStarts = 0;
        tellShare(worker);
      } else if (message?.type === 'rtb:start-failed') state.failure = { code: message.code, problems: message.problems, ...(message.codes ? { codes: message.codes } : {}) };
    });
  };
  const collect = async (asker: Worker, id: number) => {
    const ask = ++nextAsk;
    const living = [...slots.keys()].filter((worker) => worker.isConnected());
    const answers = await Promise.all(living.map((worker) => new Promise<Snapshot | undefined>((resolve) => {
      const timer = setTimeout(() => done(undefined), COLLECT_TIMEOUT_MS);
      const onMessage = (message: ClusterMessage) => {
        if (message?.type === 'rtb:metrics:snapshot' && message.id === ask) done(message.metrics);
      };
      const done = (metrics: Snapshot | undefined) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve(metrics);
      };
      worker.on('message', onMessage);
      worker.send({ type: 'rtb:metrics:ask', id: ask } satisfies ClusterMessage);
    })));
    const own = await part.metrics.snapshot();
    const text = await AggregatorRegistry.aggregate([own, ...answers.filter((a): a is Snapshot => a !== undefined)]).metrics();
    if (asker.isConnected()) asker.send({ type: 'rtb:metrics:text', id, text } satisfies ClusterMessage);
  };

  cluster.on('exit', (worker, code, signal) => {
    const started = slots.get(worker);
    slots.delete(worker);
    if (stopping || !started) return;
    const lived = Date.now() - started.startedAt;
    const who = { worker: { slot: started.slot, pid: worker.process.pid }, code, signal };
    if (!started.listened) {
      failedStarts++;
      const failure = started.failure ?? { code: 'RTB_ERR_WORKER_START', problems: [`worker slot ${started.slot} exited with ${signal ?? `code ${code}`} before it listened`] };
      log.error({ ...who, failedStarts, failure }, 'worker died before it listened');
      if (failedStarts >= MAX_START_FAILURES) {
        gaveUp = failure;
        giveUp();
        return;
      }
    } else {
      log.error(who, 'worker died; starting a replacement');
    }
    setTimeout(() => !stopping && fork(started.slot), lived < CRASH_LOOP_MS ? CRASH_LOOP_MS : 0);
  });
  for (let slot = 0; slot < workers; slot++) fork(slot);
  log.info({ workers }, 'cluster primary started');

  await Promise.race([stopRequested, new Promise<void>((resolve) => (giveUp = resolve))]);
  stopping = true;
  if (gaveUp) log.error({ failedStarts }, `${failedStarts} workers in a row died before they listened: the cluster stops`);
  log.info('cluster stopping: workers finish their auctions');
  // A worker's last messages (the notices it handed over as it stopped) are read before its channel closes:
  // the primary's part stops once every worker has both exited and disconnected.
  await Promise.all([...slots.keys()].map((worker) => Promise.all([
    new Promise<void>((resolve) => (worker.isDead() ? resolve() : worker.once('exit', () => resolve()))),
    new Promise<void>((resolve) => (worker.isConnected() ? worker.once('disconnect', () => resolve()) : resolve())),
    worker.isDead() ? undefined : worker.process.kill('SIGTERM'),
  ])));
  await part.stop();
  await closeSidecars();
  log.info('cluster stopped');
  if (gaveUp) {
    const known = (code: string): ErrorCode => (Object.hasOwn(ERROR_CODES, code) ? (code as ErrorCode) : 'RTB_ERR_WORKER_START');
    throw new RtbStartupError(known(gaveUp.code), gaveUp.problems, gaveUp.problems.map((_, i) => known(problemCode(gaveUp!, i))));
  }
  return 0;
}

/** Applies the share of the fleet's caps the primary sends (`rtb:qps-share`) to this worker's limits. */
export function joinQpsShare(share: ProcessQpsShare): void {
  process.on('message', (message: ClusterMessage) => {
    if (message?.type === 'rtb:qps-share') share.apply(message.fraction);
  });
}

/**
 * Wires a worker's metrics into the cluster: it answers the primary's snapshot requests, and its
 * `GET /metrics` asks the primary for every worker's sum (so a scrape through the shared port sees the
 * whole cluster, whichever worker takes it).
 */
export function joinClusterMetrics(metrics: ExchangeMetrics): void {
  let nextId = 0;
  const waiting = new Map<number, (text: string) => void>();
  process.on('message', (message: ClusterMessage) => {
    if (message?.type === 'rtb:metrics:ask') {
      void metrics.snapshot().then((snapshot) => process.send?.({ type: 'rtb:metrics:snapshot', id: message.id, metrics: snapshot } satisfies ClusterMessage));
    } else if (message?.type === 'rtb:metrics:text') {
      waiting.get(message.id)?.(message.text);
      waiting.delete(message.id);
    }
  });
  metrics.exposeWith(() => new Promise<string>((resolve, reject) => {
    const id = ++nextId;
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('cluster metrics: no answer from the primary'));
    }, COLLECT_TIMEOUT_MS * 2);
    waiting.set(id, (text) => {
      clearTimeout(timer);
      resolve(text);
    });
    process.send?.({ type: 'rtb:metrics:ask', id } satisfies ClusterMessage);
  }));
}
