import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DOCUMENT_MAX_BYTES, relayOrigin } from '../../src/lib/core/sync/protocol';

/**
 * Relay settings from command-line flags (`--port 9000`) and the environment (`PORT=9000`);
 * flags win over the environment, which wins over the defaults. Every value is validated here,
 * so a wrong setting stops the relay at start with a message that says what to fix.
 */
export interface RelayConfig {
  /** Interface to listen on. Loopback by default: put TLS and the public address on a proxy. */
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Where the SQLite database lives. */
  readonly dataDir: string;
  /**
   * A PostgreSQL connection URL (`postgres://user:pass@host:5432/db`) for the shared store of
   * several instances, or `null` for the embedded SQLite store in {@link dataDir}. Secret: it is
   * never logged or echoed in an error.
   */
  readonly storeUrl: string | null;
  /** The built PWA to serve on the same port (must hold `200.html`), or `null` for relay only. */
  readonly staticDir: string | null;
  /** Largest WebSocket message, bytes (larger ones close the socket with 1009). */
  readonly maxMessageBytes: number;
  /** Largest HTTP request body, bytes. */
  readonly maxBodyBytes: number;
  /** Largest document attachment (plaintext bytes; its ciphertext is a little larger). */
  readonly maxDocumentBytes: number;
  /** Bytes of encrypted documents one record may keep on the relay. */
  readonly documentQuotaBytes: number;
  /** Open WebSockets per client address. */
  readonly maxConnectionsPerIp: number;
  /** Sustained messages per second one WebSocket may send; bursts of ten times that pass. */
  readonly maxMessagesPerSecond: number;
  /** Documents one WebSocket may open (a professional's app multiplexes many records). */
  readonly maxDocumentsPerSocket: number;
  /**
   * The origins clients use to reach this relay (`https://relay.example`), which every token must
   * name; `null`: derived from host and port when listening (loopback: `127.0.0.1` and
   * `localhost`). Behind a reverse proxy, set the public origin(s).
   */
  readonly origins: readonly string[] | null;
  /** Take the client address from the last `X-Forwarded-For` entry (only behind a proxy). */
  readonly trustProxy: boolean;
  /** Open mailboxes, relay-wide: the last resort once per-address quotas are spent. */
  readonly maxMailboxes: number;
  /** Mailboxes one client address (IPv6: its /64) may create per mailbox lifetime (10 min). */
  readonly maxMailboxesPerAddress: number;
  /**
   * The VAPID `sub` of Web Push requests (RFC 8292 §2.1): a `mailto:` or `https:` contact for
   * the push services; `null`: the relay's first `https:` origin, else `mailto:relay@localhost`.
   */
  readonly pushSubject: string | null;
  /** Accept `http:` push endpoints on loopback (tests with a local push service only). */
  readonly pushAllowLoopback: boolean;
  /** Drop `info` logs (warnings and errors are still written). */
  readonly quiet: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Key = Exclude<keyof RelayConfig, 'quiet' | 'trustProxy' | 'pushAllowLoopback'>;

interface Setting {
  readonly key: Key;
  readonly flag: string;
  readonly env: string;
  readonly help: string;
}

const SETTINGS: readonly Setting[] = [
  { key: 'host', flag: '--host', env: 'HOST', help: 'interface to listen on (127.0.0.1)' },
  { key: 'port', flag: '--port', env: 'PORT', help: 'port (8787; 0 = any free port)' },
  { key: 'dataDir', flag: '--data', env: 'DATA_DIR', help: 'data directory (./data)' },
  {
    key: 'storeUrl',
    flag: '--store',
    env: 'STORE_URL',
    help: 'postgres://… for PostgreSQL (SQLite in --data)',
  },
  { key: 'staticDir', flag: '--static', env: 'STATIC_DIR', help: 'built app to serve (none)' },
  {
    key: 'maxMessageBytes',
    flag: '--max-message-bytes',
    env: 'MAX_MESSAGE_BYTES',
    help: 'largest WebSocket message (33554432)',
  },
  {
    key: 'maxBodyBytes',
    flag: '--max-body-bytes',
    env: 'MAX_BODY_BYTES',
    help: 'largest HTTP body (1048576)',
  },
  {
    key: 'maxDocumentBytes',
    flag: '--max-document-bytes',
    env: 'MAX_DOCUMENT_BYTES',
    help: 'largest document attachment (20971520)',
  },
  {
    key: 'documentQuotaBytes',
    flag: '--document-quota-bytes',
    env: 'DOCUMENT_QUOTA_BYTES',
    help: 'documents per record, bytes (209715200)',
  },
  {
    key: 'maxConnectionsPerIp',
    flag: '--max-connections-per-ip',
    env: 'MAX_CONNECTIONS_PER_IP',
    help: 'WebSockets per address (256)',
  },
  {
    key: 'maxMessagesPerSecond',
    flag: '--max-messages-per-second',
    env: 'MAX_MESSAGES_PER_SECOND',
    help: 'sustained messages per socket and second (500)',
  },
  {
    key: 'maxDocumentsPerSocket',
    flag: '--max-documents-per-socket',
    env: 'MAX_DOCUMENTS_PER_SOCKET',
    help: 'documents per socket (2000)',
  },
  {
    key: 'origins',
    flag: '--origin',
    env: 'PUBLIC_ORIGIN',
    help: 'public origin(s) of the relay, comma-separated or repeated (from host/port)',
  },
  {
    key: 'maxMailboxes',
    flag: '--max-mailboxes',
    env: 'MAX_MAILBOXES',
    help: 'open mailboxes relay-wide (10000)',
  },
  {
    key: 'maxMailboxesPerAddress',
    flag: '--max-mailboxes-per-address',
    env: 'MAX_MAILBOXES_PER_ADDRESS',
    help: 'mailboxes one address (IPv6 /64) creates per 10 minutes (50)',
  },
  {
    key: 'pushSubject',
    flag: '--push-subject',
    env: 'PUSH_SUBJECT',
    help: 'Web Push contact, mailto: or https: (the https origin)',
  },
];

export const USAGE = [
  'Usage: backpack-relay [options]   (each option can also be set by its environment variable)',
  ...SETTINGS.map((s) => `  ${`${s.flag} <value>`.padEnd(34)}${s.env.padEnd(26)}${s.help}`),
  `  ${'--trust-proxy'.padEnd(34)}${'TRUST_PROXY=1'.padEnd(26)}client address from X-Forwarded-For`,
  `  ${'--push-allow-loopback'.padEnd(34)}${'PUSH_ALLOW_LOOPBACK=1'.padEnd(26)}http: push endpoints on loopback (tests)`,
  `  ${'--quiet'.padEnd(34)}${'RELAY_QUIET=1'.padEnd(26)}only warnings and errors`,
  `  ${'--help'.padEnd(34)}${''.padEnd(26)}this text`,
].join('\n');

function integer(name: string, raw: string, min: number, max: number): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}".`);
  }
  return n;
}

const HOST_PATTERN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9-]{1,63})*|[0-9a-fA-F:.]+)$/;

/** `https://relay.example[:port][/]`: no path, query, fragment or credentials. */
function isBareOrigin(text: string): boolean {
  try {
    const u = new URL(text);
    return u.pathname === '/' && !u.search && !u.hash && !text.endsWith('#') && !text.endsWith('?');
  } catch {
    return false;
  }
}

/** `--help` was asked for: callers print {@link USAGE}. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): RelayConfig {
  const raw: Partial<Record<Key, { value: string; from: string }>> = {};
  for (const s of SETTINGS) {
    const v = env[s.env];
    if (v !== undefined && v !== '') raw[s.key] = { value: v, from: s.env };
  }
  let quiet = env['RELAY_QUIET'] === '1' || env['RELAY_QUIET'] === 'true';
  let trustProxy = env['TRUST_PROXY'] === '1' || env['TRUST_PROXY'] === 'true';
  let pushAllowLoopback =
    env['PUSH_ALLOW_LOOPBACK'] === '1' || env['PUSH_ALLOW_LOOPBACK'] === 'true';
  let originFlags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quiet') {
      quiet = true;
      continue;
    }
    if (arg === '--trust-proxy') {
      trustProxy = true;
      continue;
    }
    if (arg === '--push-allow-loopback') {
      pushAllowLoopback = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const setting = SETTINGS.find((s) => s.flag === flag);
    if (!setting) {
      throw new ConfigError(`Unknown option "${flag}". Run with --help to see the options.`);
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) {
      throw new ConfigError(`${flag} needs a value.`);
    }
    // --origin may be repeated; flags replace PUBLIC_ORIGIN.
    if (setting.key === 'origins') originFlags = [...originFlags, value];
    raw[setting.key] =
      setting.key === 'origins'
        ? { value: originFlags.join(','), from: flag }
        : { value, from: flag };
  }

  const host = raw.host?.value ?? '127.0.0.1';
  if (!HOST_PATTERN.test(host) || host.length > 253) {
    throw new ConfigError(`${raw.host?.from ?? 'HOST'} "${host}" is not a host name or address.`);
  }

  const num = (key: Key, name: string, fallback: number, min: number, max: number) =>
    integer(raw[key]?.from ?? name, raw[key]?.value ?? String(fallback), min, max);

  let staticDir: string | null = null;
  if (raw.staticDir) {
    staticDir = resolve(raw.staticDir.value);
    if (!existsSync(staticDir) || !statSync(staticDir).isDirectory()) {
      throw new ConfigError(
        `${raw.staticDir.from}: "${staticDir}" is not a directory. Build the app first (npm run build).`,
      );
    }
    if (!existsSync(join(staticDir, '200.html'))) {
      throw new ConfigError(
        `${raw.staticDir.from}: "${staticDir}" has no 200.html; is it the app's build directory?`,
      );
    }
  }

  const dataDir = resolve(raw.dataDir?.value ?? './data');
  if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
    throw new ConfigError(`${raw.dataDir?.from ?? 'DATA_DIR'}: "${dataDir}" is not a directory.`);
  }

  let storeUrl: string | null = null;
  if (raw.storeUrl && raw.storeUrl.value !== '' && raw.storeUrl.value !== 'sqlite') {
    // The URL holds a password: the messages name the setting, never the value.
    let url: URL | null;
    try {
      url = new URL(raw.storeUrl.value);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || !url.hostname) {
      throw new ConfigError(
        `${raw.storeUrl.from}: not a PostgreSQL URL like postgres://user:password@host:5432/db (or "sqlite").`,
      );
    }
    storeUrl = raw.storeUrl.value;
  }

  let origins: string[] | null = null;
  if (raw.origins) {
    origins = [];
    for (const part of raw.origins.value.split(',')) {
      const origin = relayOrigin(part.trim());
      if (origin === null || !isBareOrigin(part.trim())) {
        throw new ConfigError(
          `${raw.origins.from}: "${part.trim()}" is not an origin like https://relay.example (scheme, host, optional port; no path).`,
        );
      }
      if (!origins.includes(origin)) origins.push(origin);
    }
  }

  const maxMailboxes = num('maxMailboxes', 'MAX_MAILBOXES', 10_000, 10, 10_000_000);
  const maxMailboxesPerAddress = num(
    'maxMailboxesPerAddress',
    'MAX_MAILBOXES_PER_ADDRESS',
    50,
    1,
    100_000,
  );
  if (maxMailboxesPerAddress * 10 > maxMailboxes) {
    throw new ConfigError(
      `MAX_MAILBOXES (${maxMailboxes}) must be at least ten times MAX_MAILBOXES_PER_ADDRESS (${maxMailboxesPerAddress}), so one address cannot fill it.`,
    );
  }

  let pushSubject: string | null = null;
  if (raw.pushSubject) {
    const v = raw.pushSubject.value.trim();
    let ok: boolean;
    try {
      const u = new URL(v);
      ok =
        (u.protocol === 'mailto:' && /^[^@\s]+@[^@\s]+$/.test(u.pathname)) ||
        (u.protocol === 'https:' && u.hostname !== '');
    } catch {
      ok = false;
    }
    if (!ok || v.length > 200) {
      throw new ConfigError(
        `${raw.pushSubject.from}: "${v}" is not a contact like mailto:admin@example.org or https://example.org.`,
      );
    }
    pushSubject = v;
  }

  return {
    host,
    port: num('port', 'PORT', 8787, 0, 65535),
    dataDir,
    storeUrl,
    staticDir,
    maxMessageBytes: num('maxMessageBytes', 'MAX_MESSAGE_BYTES', 32 * 1024 * 1024, 4096, 1024 ** 3),
    maxBodyBytes: num('maxBodyBytes', 'MAX_BODY_BYTES', 1024 * 1024, 4096, 64 * 1024 ** 2),
    maxDocumentBytes: num(
      'maxDocumentBytes',
      'MAX_DOCUMENT_BYTES',
      DOCUMENT_MAX_BYTES,
      1024,
      DOCUMENT_MAX_BYTES,
    ),
    documentQuotaBytes: num(
      'documentQuotaBytes',
      'DOCUMENT_QUOTA_BYTES',
      200 * 1024 * 1024,
      1024,
      1024 ** 4,
    ),
    maxConnectionsPerIp: num('maxConnectionsPerIp', 'MAX_CONNECTIONS_PER_IP', 256, 1, 1_000_000),
    maxMessagesPerSecond: num('maxMessagesPerSecond', 'MAX_MESSAGES_PER_SECOND', 500, 1, 1_000_000),
    maxDocumentsPerSocket: num(
      'maxDocumentsPerSocket',
      'MAX_DOCUMENTS_PER_SOCKET',
      2000,
      1,
      100_000,
    ),
    origins,
    trustProxy,
    maxMailboxes,
    maxMailboxesPerAddress,
    pushSubject,
    pushAllowLoopback,
    quiet,
  };
}
