/**
 * Structured logs: one JSON object a line, on stdout. Only allow-listed fields pass, and each
 * value must be a finite number, a boolean, or a short string of safe characters: ids, codes,
 * counts, sizes and durations. Document content, tokens and update bytes have no field to go in,
 * and a string that does not look like an id or a code is replaced by `[redacted]`.
 */
export const LOG_FIELDS: ReadonlySet<string> = new Set([
  'event',
  'code',
  'reason',
  'record',
  'doc',
  'device',
  'role',
  'status',
  'method',
  'route',
  'bytes',
  'count',
  'ms',
  'connections',
  'docs',
  'version',
  'url',
  'port',
  'host',
  'signal',
]);

/** Keys every line has besides the allow-listed fields. */
export const LOG_ENVELOPE_KEYS: ReadonlySet<string> = new Set(['t', 'level', 'msg']);

export type LogValue = string | number | boolean | null | undefined;
export type LogFields = Readonly<Record<string, LogValue>>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Ids, codes, document names, URLs of this relay, short messages written in this code. */
const SAFE = /^[\w.:/@ ,'-]{0,160}$/;
export const REDACTED = '[redacted]';

export function sanitize(fields: LogFields = {}): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (!LOG_FIELDS.has(k) || v === undefined) continue;
    if (typeof v === 'string') out[k] = SAFE.test(v) ? v : REDACTED;
    else if (typeof v === 'number') out[k] = Number.isFinite(v) ? v : null;
    else out[k] = v;
  }
  return out;
}

export function createLogger(write: (line: string) => void, quiet = false): Logger {
  const emit = (level: 'info' | 'warn' | 'error', msg: string, fields?: LogFields) => {
    if (quiet && level === 'info') return;
    const line = {
      t: new Date().toISOString(),
      level,
      msg: SAFE.test(msg) ? msg : REDACTED,
      ...sanitize(fields),
    };
    try {
      write(JSON.stringify(line));
    } catch {
      // A closed stdout must not take the relay down.
    }
  };
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/**
 * Routes the `console` output of libraries (Hocuspocus prints errors with `console.error`)
 * through the logger. Only a cleaned, shortened first string survives: error objects and any
 * other argument are dropped, because they could carry a payload.
 */
export function captureConsole(log: Logger): () => void {
  const methods = { log: 'info', info: 'info', warn: 'warn', error: 'error' } as const;
  const target = console as unknown as Record<keyof typeof methods, (...args: unknown[]) => void>;
  const saved = { ...target };
  const route =
    (level: 'info' | 'warn' | 'error') =>
    (...args: unknown[]): void => {
      const first = typeof args[0] === 'string' ? args[0] : '';
      const text = first
        .replace(/[^\w.:/@ ,'-]+/g, ' ')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 160);
      const detail = args.find(
        (a): a is { reason: string } =>
          typeof a === 'object' &&
          a !== null &&
          typeof (a as { reason?: unknown }).reason === 'string',
      );
      log[level](text || 'library message', { event: 'library', reason: detail?.reason });
    };
  for (const [name, level] of Object.entries(methods)) {
    target[name as keyof typeof methods] = route(level);
  }
  return () => {
    for (const name of Object.keys(methods) as Array<keyof typeof methods>) {
      target[name] = saved[name];
    }
  };
}
