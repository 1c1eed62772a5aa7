/** Bucket upper bounds (ms) of the latency histograms. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 1000] as const;

/** A Prometheus histogram of milliseconds (exposed in seconds). */
export class Histogram {
  readonly counts: number[] = LATENCY_BUCKETS_MS.map(() => 0);
  count = 0;
  sumMs = 0;

  observe(ms: number): void {
    const v = Math.max(0, ms);
    this.count++;
    this.sumMs += v;
    for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
      if (v <= LATENCY_BUCKETS_MS[i]!) this.counts[i]!++;
    }
  }
}

/** Counters of the relay since start, and the Prometheus text exposition of them. */
export class Metrics {
  readonly started = Date.now();
  socketsOpened = 0;
  socketsRefused = 0;
  authAccepted = 0;
  authRefused = 0;
  updatesStored = 0;
  updateBytesStored = 0;
  messagesRefused = 0;
  messagesDropped = 0;
  connectionsClosedByGrant = 0;
  compactions = 0;
  httpRequests = 0;
  httpErrors = 0;
  mailboxesRefused = 0;
  /** Envelopes (updates) delivered to this instance's connections. */
  updatesSent = 0;
  /** Rows another instance stored, applied here. */
  remoteUpdates = 0;
  readonly storeWriteLatency = new Histogram();
  /** From another instance's commit (its clock) to the row applied here. */
  readonly remoteLag = new Histogram();
  /** Sync messages refused, by reason (policy, storage, malformed). */
  readonly refusedByReason = new Map<string, number>();

  refused(reason: string): void {
    this.messagesRefused++;
    this.refusedByReason.set(reason, (this.refusedByReason.get(reason) ?? 0) + 1);
  }

  storeWrite(ms: number): void {
    this.storeWriteLatency.observe(ms);
  }

  remoteApplied(rows: number, lagMs: number): void {
    this.remoteUpdates += rows;
    this.remoteLag.observe(lagMs);
  }
}

export interface LiveFigures {
  readonly sockets: number;
  readonly documentsLoaded: number;
  readonly documentConnections: number;
  readonly storedUpdates: number;
  readonly storedDocuments: number;
  readonly storedBytes: number;
}

type Kind = 'counter' | 'gauge';

export function renderMetrics(m: Metrics, live: LiveFigures): string {
  const mem = process.memoryUsage();
  const lines: string[] = [];
  const metric = (name: string, kind: Kind, help: string, value: number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`, `${name} ${value}`);
  };
  const histogram = (name: string, help: string, h: Histogram) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    LATENCY_BUCKETS_MS.forEach((le, i) => {
      lines.push(`${name}_bucket{le="${le / 1000}"} ${h.counts[i]}`);
    });
    lines.push(`${name}_bucket{le="+Inf"} ${h.count}`);
    lines.push(`${name}_sum ${h.sumMs / 1000}`, `${name}_count ${h.count}`);
  };
  metric('backpack_connections', 'gauge', 'Open WebSocket connections.', live.sockets);
  metric(
    'backpack_document_connections',
    'gauge',
    'Authenticated document connections (one socket carries many).',
    live.documentConnections,
  );
  metric('backpack_documents_loaded', 'gauge', 'Documents in memory.', live.documentsLoaded);
  metric(
    'backpack_connections_opened_total',
    'counter',
    'WebSocket connections accepted.',
    m.socketsOpened,
  );
  metric(
    'backpack_connections_refused_total',
    'counter',
    'WebSocket upgrades refused (limits, path).',
    m.socketsRefused,
  );
  metric(
    'backpack_auth_accepted_total',
    'counter',
    'Document authentications accepted.',
    m.authAccepted,
  );
  metric(
    'backpack_auth_refused_total',
    'counter',
    'Document authentications refused.',
    m.authRefused,
  );
  metric(
    'backpack_updates_stored_total',
    'counter',
    'Yjs updates written to disk.',
    m.updatesStored,
  );
  metric(
    'backpack_update_bytes_stored_total',
    'counter',
    'Bytes of Yjs updates written to disk.',
    m.updateBytesStored,
  );
  metric(
    'backpack_messages_refused_total',
    'counter',
    'Sync messages refused by policy.',
    m.messagesRefused,
  );
  metric(
    'backpack_messages_dropped_total',
    'counter',
    'Messages dropped (presence, unknown types, closed documents).',
    m.messagesDropped,
  );
  metric(
    'backpack_connections_closed_by_grant_total',
    'counter',
    'Document connections closed because the grant ended.',
    m.connectionsClosedByGrant,
  );
  metric('backpack_compactions_total', 'counter', 'Document logs folded.', m.compactions);
  metric('backpack_http_requests_total', 'counter', 'HTTP requests.', m.httpRequests);
  metric('backpack_http_errors_total', 'counter', 'HTTP requests answered 4xx/5xx.', m.httpErrors);
  metric(
    'backpack_mailboxes_refused_total',
    'counter',
    'Mailbox creations refused (per-address quota or relay-wide cap).',
    m.mailboxesRefused,
  );
  metric(
    'backpack_updates_sent_total',
    'counter',
    "Yjs updates (envelopes) sent to this instance's connections.",
    m.updatesSent,
  );
  metric(
    'backpack_remote_updates_total',
    'counter',
    'Updates another instance stored, applied here.',
    m.remoteUpdates,
  );
  lines.push(
    '# HELP backpack_messages_refused_by_reason_total Sync messages refused, by reason.',
    '# TYPE backpack_messages_refused_by_reason_total counter',
  );
  for (const [reason, n] of [...m.refusedByReason].sort()) {
    lines.push(`backpack_messages_refused_by_reason_total{reason="${reason}"} ${n}`);
  }
  histogram(
    'backpack_store_write_seconds',
    'Time to store (fsync or commit) one accepted update.',
    m.storeWriteLatency,
  );
  histogram(
    'backpack_remote_lag_seconds',
    "From another instance's commit to its update applied here (clocks of both).",
    m.remoteLag,
  );
  metric('backpack_stored_updates', 'gauge', 'Rows in the update log.', live.storedUpdates);
  metric('backpack_stored_documents', 'gauge', 'Documents on disk.', live.storedDocuments);
  metric('backpack_stored_bytes', 'gauge', 'Bytes in the update log.', live.storedBytes);
  metric('process_resident_memory_bytes', 'gauge', 'Resident set size.', mem.rss);
  metric('process_heap_used_bytes', 'gauge', 'V8 heap in use.', mem.heapUsed);
  metric(
    'process_uptime_seconds',
    'gauge',
    'Seconds since the relay started.',
    Math.round((Date.now() - m.started) / 1000),
  );
  return lines.join('\n') + '\n';
}
