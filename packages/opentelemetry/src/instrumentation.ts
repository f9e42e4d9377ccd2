import { type TracingChannel, channel, tracingChannel } from "node:diagnostics_channel";
import { createRequire } from "node:module";
import {
  type Attributes,
  type Counter,
  type Histogram,
  type ObservableGauge,
  type Span,
  SpanKind,
  SpanStatusCode,
  ValueType,
} from "@opentelemetry/api";
import { InstrumentationBase, type InstrumentationConfig } from "@opentelemetry/instrumentation";
import {
  type CloseHonouredMessage,
  type CloseRequestedMessage,
  DIAGNOSTICS_CHANNELS,
  type HostCycleContext,
  type StoreOperationContext,
} from "@sessionkv/core";
import {
  ATTR_CLOSE_LOCAL,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_NODE_ID,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DURATION_BUCKETS_S,
  METRICS,
  dbSystemName,
} from "./semconv.js";

export interface SessionKVInstrumentationConfig extends InstrumentationConfig {
  /**
   * Put the registry's node id on host and close metrics and spans (`sessionkv.node.id`), so that a
   * dashboard can show each node. Default true. Turn it off where node ids are random per process
   * and the metrics backend charges per series. Call and session ids are never recorded.
   */
  readonly nodeIdAttribute?: boolean;
}

const PACKAGE = "@sessionkv/opentelemetry";
const VERSION = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

/** The TracingChannel events this package listens to: a span begins on start and ends on asyncEnd. */
type Handlers<C> = {
  start: (context: C) => void;
  asyncEnd: (context: C) => void;
  error: (context: C) => void;
};

interface InFlight {
  readonly span: Span;
  readonly began: number;
  readonly attributes?: Attributes;
}

/**
 * Spans and metrics from core's diagnostics channels (core README, "Diagnostics channels"): it
 * subscribes to them on `enable()` and unsubscribes on `disable()`, patching no module, so it
 * sees every store built on core's base class, a third party's included, whatever loaded first.
 */
export class SessionKVInstrumentation extends InstrumentationBase<SessionKVInstrumentationConfig> {
  // Declared, not initialised: the base constructor calls `_updateMetricInstruments` before a
  // subclass's initialisers run, and an initialiser would then erase what it set.
  private declare operationDuration: Histogram;
  private declare cycleDuration: Histogram;
  private declare cyclesFailed: Counter;
  private declare sessionsHealed: Counter;
  private declare closeRequests: Counter;
  private declare closeDuration: Histogram;
  private declare hostSessions: ObservableGauge;
  private declare subscribed: (() => void) | undefined;
  /** Sessions per node as its last cycle began, for the gauge. */
  private declare sessionsByNode: Map<string, number>;
  private declare storeSpans: WeakMap<StoreOperationContext, InFlight>;
  private declare cycleSpans: WeakMap<HostCycleContext, InFlight>;

  constructor(config: SessionKVInstrumentationConfig = {}) {
    // Enabled below, once this class's own state exists.
    super(PACKAGE, VERSION, { ...config, enabled: false });
    this.setConfig({ ...config, enabled: config.enabled !== false });
    this.sessionsByNode = new Map();
    this.storeSpans = new WeakMap();
    this.cycleSpans = new WeakMap();
    this._updateMetricInstruments();
    if (config.enabled !== false) this.enable();
  }

  protected override init(): [] {
    return [];
  }

  protected override _updateMetricInstruments(): void {
    const meter = this.meter;
    this.operationDuration = meter.createHistogram(METRICS.operationDuration, {
      description: "Duration of sessionkv store operations.",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    });
    this.cycleDuration = meter.createHistogram(METRICS.cycleDuration, {
      description: "Duration of SessionHost maintenance cycles.",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    });
    this.cyclesFailed = meter.createCounter(METRICS.cyclesFailed, {
      description: "SessionHost maintenance cycles that failed.",
      unit: "{cycle}",
      valueType: ValueType.INT,
    });
    this.sessionsHealed = meter.createCounter(METRICS.sessionsHealed, {
      description: "Session records found missing or unreadable and written again by their host.",
      unit: "{session}",
      valueType: ValueType.INT,
    });
    this.closeRequests = meter.createCounter(METRICS.closeRequests, {
      description: "Close requests made (close flags written, or local sessions closed on request).",
      unit: "{request}",
      valueType: ValueType.INT,
    });
    this.closeDuration = meter.createHistogram(METRICS.closeDuration, {
      description: "From a close request to its session closed and removed by its host.",
      unit: "s",
      advice: { explicitBucketBoundaries: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60] },
    });
    this.hostSessions = meter.createObservableGauge(METRICS.hostSessions, {
      description: "Sessions each SessionHost hosted when its last maintenance cycle began.",
      unit: "{session}",
      valueType: ValueType.INT,
    });
    this.hostSessions.addCallback((result) => {
      for (const [nodeId, sessions] of this.sessionsByNode ?? [])
        result.observe(sessions, this.nodeAttributes(nodeId));
    });
  }

  override enable(): void {
    super.enable();
    if (this.subscribed !== undefined || this.storeSpans === undefined) return;
    const store = tracingChannel<StoreOperationContext, StoreOperationContext>(
      DIAGNOSTICS_CHANNELS.storeOperation,
    );
    const cycle = tracingChannel<HostCycleContext, HostCycleContext>(DIAGNOSTICS_CHANNELS.hostCycle);
    const requested = channel(DIAGNOSTICS_CHANNELS.closeRequested);
    const honoured = channel(DIAGNOSTICS_CHANNELS.closeHonoured);
    const onRequested = (message: unknown) => this.onCloseRequested(message as CloseRequestedMessage);
    const onHonoured = (message: unknown) => this.onCloseHonoured(message as CloseHonouredMessage);
    const unlisten = [listen(store, this.storeHandlers()), listen(cycle, this.cycleHandlers())];
    requested.subscribe(onRequested);
    honoured.subscribe(onHonoured);
    this.subscribed = () => {
      for (const stop of unlisten) stop();
      requested.unsubscribe(onRequested);
      honoured.unsubscribe(onHonoured);
    };
  }

  override disable(): void {
    super.disable();
    this.subscribed?.();
    this.subscribed = undefined;
    this.sessionsByNode?.clear();
  }

  private storeHandlers(): Handlers<StoreOperationContext> {
    return {
      start: (context) => {
        const attributes = storeAttributes(context);
        const target = context.namespace ?? context.serverAddress;
        const span = this.tracer.startSpan(
          target === undefined ? context.operation : `${context.operation} ${target}`,
          { kind: SpanKind.CLIENT, attributes },
        );
        this.storeSpans.set(context, { span, began: performance.now(), attributes });
      },
      error: (context) => {
        const inFlight = this.storeSpans.get(context);
        const code = context.errorCode ?? "_OTHER";
        inFlight?.span.setAttribute(ATTR_ERROR_TYPE, code);
        inFlight?.span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      },
      asyncEnd: (context) => {
        const inFlight = this.storeSpans.get(context);
        if (inFlight === undefined) return;
        this.storeSpans.delete(context);
        const seconds = (performance.now() - inFlight.began) / 1000;
        inFlight.span.end();
        // The span's own attributes, reused: the span has copied them. A batch's size would make
        // a series per size, so the metric leaves it out.
        const attributes = inFlight.attributes ?? storeAttributes(context);
        delete attributes[ATTR_DB_OPERATION_BATCH_SIZE];
        if (context.errorCode !== undefined) attributes[ATTR_ERROR_TYPE] = context.errorCode;
        this.operationDuration.record(seconds, attributes);
      },
    };
  }

  private cycleHandlers(): Handlers<HostCycleContext> {
    return {
      start: (context) => {
        const span = this.tracer.startSpan("sessionkv.host.cycle", {
          kind: SpanKind.INTERNAL,
          attributes: this.nodeAttributes(context.nodeId),
        });
        this.cycleSpans.set(context, { span, began: performance.now() });
      },
      error: (context) => {
        const code = context.errorCode ?? "_OTHER";
        const inFlight = this.cycleSpans.get(context);
        inFlight?.span.setAttribute(ATTR_ERROR_TYPE, code);
        inFlight?.span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      },
      asyncEnd: (context) => {
        const inFlight = this.cycleSpans.get(context);
        if (inFlight === undefined) return;
        this.cycleSpans.delete(context);
        inFlight.span.setAttributes({
          "sessionkv.host.sessions": context.sessions,
          "sessionkv.host.refreshed": context.refreshed,
          "sessionkv.host.healed": context.healed,
          "sessionkv.host.closed": context.closed,
        });
        inFlight.span.end();
        const attributes = this.nodeAttributes(context.nodeId);
        this.sessionsByNode.set(context.nodeId, context.sessions);
        if (context.healed > 0) this.sessionsHealed.add(context.healed, attributes);
        if (context.failed) {
          this.cyclesFailed.add(1, { ...attributes, [ATTR_ERROR_TYPE]: context.errorCode ?? "_OTHER" });
        }
        this.cycleDuration.record(context.durationMs / 1000, {
          ...attributes,
          ...(context.failed ? { [ATTR_ERROR_TYPE]: context.errorCode ?? "_OTHER" } : {}),
        });
      },
    };
  }

  private onCloseRequested(message: CloseRequestedMessage): void {
    this.closeRequests.add(1, { ...this.nodeAttributes(message.nodeId), [ATTR_CLOSE_LOCAL]: message.local });
  }

  private onCloseHonoured(message: CloseHonouredMessage): void {
    if (message.latencyMs === undefined) return;
    this.closeDuration.record(message.latencyMs / 1000, {
      ...this.nodeAttributes(message.nodeId),
      [ATTR_CLOSE_LOCAL]: message.local,
    });
  }

  private nodeAttributes(nodeId: string): Attributes {
    return this.getConfig().nodeIdAttribute === false ? {} : { [ATTR_NODE_ID]: nodeId };
  }
}

/**
 * Subscribes to the three events a span needs, and not to `end` and `asyncStart`: every event
 * with a subscriber is a call on each operation's path.
 */
function listen<C extends object>(traced: TracingChannel<C, C>, handlers: Handlers<C>): () => void {
  const stops = (["start", "asyncEnd", "error"] as const).map((event) => {
    const listener = (message: unknown) => handlers[event](message as C);
    traced[event].subscribe(listener);
    return () => traced[event].unsubscribe(listener);
  });
  return () => {
    for (const stop of stops) stop();
  };
}

function storeAttributes(context: StoreOperationContext): Attributes {
  const attributes: Attributes = {
    [ATTR_DB_SYSTEM_NAME]: dbSystemName(context.backend),
    [ATTR_DB_OPERATION_NAME]: context.operation,
  };
  if (context.namespace !== undefined) attributes[ATTR_DB_NAMESPACE] = context.namespace;
  // The conventions count a batch from two operations up.
  if (context.batchSize !== undefined && context.batchSize >= 2)
    attributes[ATTR_DB_OPERATION_BATCH_SIZE] = context.batchSize;
  if (context.serverAddress !== undefined) attributes[ATTR_SERVER_ADDRESS] = context.serverAddress;
  if (context.serverPort !== undefined) attributes[ATTR_SERVER_PORT] = context.serverPort;
  return attributes;
}
