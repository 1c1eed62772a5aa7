/**
 * The relay's storage, behind one interface with two implementations: embedded SQLite
 * ({@link SqliteStore} in `sqlite-store.ts`, the default; nothing to set up) and PostgreSQL
 * (`pg-store.ts`, for several relay instances on one database). It holds only what the relay may
 * see: outer documents (Yjs updates whose items are encrypted envelopes), signed manifests,
 * recovery blobs, link mailboxes, encrypted document attachments and SMART Health Link blobs;
 * all of it ciphertext or public-key material. Besides, when each device last connected.
 *
 * Every method is async. A write is durable (fsynced or committed) when its promise resolves:
 * the relay acknowledges an update to its writer only after that (see `relay.ts`).
 *
 * A document is an append-only log of Yjs updates, each row with an increasing id (catch-up by
 * id). The log is folded into one update from time to time ({@link RelayStore.compactDocument});
 * the outer documents hold opaque envelopes in a `Y.Array`, so merging them reveals nothing.
 */

/** How many versions of each record's manifest the relay keeps for devices that missed some. */
export const MANIFEST_HISTORY = 256;

/** How many accesses of one SMART Health Link are kept (the newest). */
export const SHL_ACCESS_LOG_MAX = 1000;

export class StoreError extends Error {
  override name = 'StoreError';
}

export interface StoredBytes {
  readonly version: number;
  readonly data: Uint8Array;
}

export interface CompactionResult {
  readonly rowsBefore: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

export interface LogRow {
  readonly id: number;
  readonly data: Uint8Array;
}

/** An encrypted document attachment (issue 12 item 7), stored by record and blob id. */
export interface DocumentBlob {
  /** The compartment whose key encrypts it (the HTTP layer checks grants against it). */
  readonly compartment: string;
  readonly data: Uint8Array;
  readonly at: number;
}

/** What a SMART Health Link serves: its encrypted manifest content or its one file (`U`). */
export interface ShlInput {
  /** The record whose owner made the link (only its owners may revoke it or read its log). */
  readonly record: string;
  readonly kind: 'manifest' | 'file';
  /** Ciphertext (JWE or the manifest's encrypted files): the relay never holds the key. */
  readonly data: Uint8Array;
  /** Unix ms after which the link is inactive, or `null`. */
  readonly expires: number | null;
  /** A hash of the passcode (flag `P`), or `null`. */
  readonly passcodeHash?: Uint8Array | null;
  /** Wrong passcodes allowed over the link's lifetime (`null`: no passcode). */
  readonly attemptsLeft?: number | null;
}

export interface ShlBlob {
  readonly record: string;
  readonly kind: 'manifest' | 'file';
  readonly data: Uint8Array;
  readonly expires: number | null;
  readonly passcodeHash: Uint8Array | null;
  readonly attemptsLeft: number | null;
  readonly at: number;
}

export interface ShlAccess {
  readonly recipient: string;
  readonly at: number;
}

/** What a device may be reminded of by Web Push (issue 14 item 5). */
export type ReminderKind = 'check-in' | 'questionnaire' | 'message';

/**
 * A device's Web Push subscription for one record: where to push (the push service's endpoint
 * and the browser's keys, RFC 8291) and which reminders it wants. Holds no health data: the
 * times are what the device chose or computed, the texts pushed are fixed.
 */
export interface PushSubscriptionRecord {
  readonly record: string;
  readonly deviceKey: Uint8Array;
  /** The push service URL (`https:`; loopback `http:` only when configured, for tests). */
  readonly endpoint: string;
  /** The browser's P-256 public key, 65 bytes uncompressed. */
  readonly p256dh: Uint8Array;
  /** The browser's 16-byte authentication secret. */
  readonly auth: Uint8Array;
  readonly kinds: readonly ReminderKind[];
  /** The daily check-in minute (UTC, 0..1439, at the device's offset when it registered), or `null`. */
  readonly checkInMinute: number | null;
  /**
   * The same check-in as the device's local time of day and its time zone (IANA name), which
   * schedules it when present: it follows the clock across daylight-saving changes. `null` from
   * apps that send only the UTC minute.
   */
  readonly checkInLocal: CheckInLocal | null;
  /** When the next daily check-in reminder is due (Unix ms), or `null`. */
  readonly checkInAt: number | null;
  /** Due questionnaire reminders not yet sent (Unix ms, ascending). */
  readonly dueAt: readonly number[];
  /** The earliest scheduled reminder (`checkInAt`, `dueAt[0]`), or `null`: what ticks look at. */
  readonly nextAt: number | null;
  readonly at: number;
}

/** A daily time on the device's clock: minutes after local midnight (0..1439) in `zone`. */
export interface CheckInLocal {
  readonly minute: number;
  readonly zone: string;
}

/** The scheduled part of a subscription, replaced by {@link RelayStore.claimPushSchedule}. */
export interface PushSchedule {
  readonly checkInAt: number | null;
  readonly dueAt: readonly number[];
  readonly nextAt: number | null;
}

/**
 * What another relay instance on the same database did (PostgreSQL only; a SQLite store has no
 * other instances and never calls these). Heard only after the commit.
 */
export interface StoreEvents {
  /**
   * Rows were appended to `doc`'s log by another instance (ids in the log); `data` holds the
   * bytes of those that came inline with their notification (small rows), the rest are fetched.
   */
  updates(
    doc: string,
    ids: readonly number[],
    sentAt: number,
    data?: ReadonlyMap<number, Uint8Array>,
  ): void;
  /** A newer manifest of `record` was stored by another instance. */
  manifest(record: string, version: number): void;
  /** The notification channel was lost and is back: events in between may be missing. */
  resync(): void;
}

export interface RelayStore {
  /** `sqlite` or `postgres` (for metrics and logs). */
  readonly kind: 'sqlite' | 'postgres';

  // --- documents ---------------------------------------------------------------------------
  /** Appends one update to a document's log; its row id. Durable when the promise resolves. */
  appendUpdate(doc: string, update: Uint8Array): Promise<number>;
  /** The document's log merged into one update, or `null` when nothing is stored. */
  loadDocument(doc: string): Promise<Uint8Array | null>;
  /** The same, with the newest row id merged in (catch-up from there). */
  loadDocumentAt(doc: string): Promise<{ state: Uint8Array; lastId: number } | null>;
  /** Rows of `doc` with these ids (those still there), by id. */
  updatesById(doc: string, ids: readonly number[]): Promise<LogRow[]>;
  /** Rows of `doc` with an id above `after`, by id (catch-up). */
  updatesAfter(doc: string, after: number): Promise<LogRow[]>;
  updateCount(doc: string): Promise<number>;
  /**
   * Folds a document's log into one update, in one transaction, rebuilt from the stored rows in
   * a garbage-collecting `Y.Doc`: envelopes an owner deleted leave the disk. Rows appended
   * meanwhile (by another instance) stay. `null` when there was nothing to fold.
   */
  compactDocument(doc: string): Promise<CompactionResult | null>;
  totals(): Promise<{ updates: number; docs: number; bytes: number }>;

  // --- manifests -----------------------------------------------------------------------------
  getManifest(record: string): Promise<StoredBytes | null>;
  /**
   * Stores a manifest if it is newer than the stored one and, with `previous` given, only if the
   * stored version is still `previous` (`null`: none stored), so that a successor is judged
   * against the manifest it replaces even with several instances; `false` otherwise. The last
   * {@link MANIFEST_HISTORY} versions are kept too ({@link manifestsAfter}).
   */
  putManifest(
    record: string,
    version: number,
    data: Uint8Array,
    now?: number,
    previous?: number | null,
  ): Promise<boolean>;
  /** The kept manifests newer than `version`, oldest first, at most `limit`. */
  manifestsAfter(record: string, version: number, limit?: number): Promise<Uint8Array[]>;

  // --- recovery blobs ------------------------------------------------------------------------
  getRecovery(record: string): Promise<Uint8Array | null>;
  /** A format-1 blob, stored by record id; replaces the record's blob of either format. */
  putRecovery(record: string, data: Uint8Array, now?: number): Promise<void>;
  getRecoveryByLocator(locator: string): Promise<Uint8Array | null>;
  /**
   * Stores a blob under its locator as the record's one current blob (the previous one, of
   * either format, goes in the same transaction); `false`, changing nothing, when another
   * record holds this locator.
   */
  putRecoveryByLocator(
    record: string,
    locator: string,
    data: Uint8Array,
    now?: number,
  ): Promise<boolean>;

  // --- link mailboxes ------------------------------------------------------------------------
  /** Stores a sealed box in an empty mailbox; `false` if the mailbox already holds one. */
  putMailbox(id: string, data: Uint8Array, expires: number, now?: number): Promise<boolean>;
  /** Returns and removes a mailbox's box (once), or `null` when empty or expired. */
  takeMailbox(id: string, now?: number): Promise<Uint8Array | null>;
  mailboxCount(): Promise<number>;

  // --- document blobs ------------------------------------------------------------------------
  /**
   * Stores an encrypted attachment; `false`, changing nothing, when the record already has a
   * blob with this id (blobs are immutable: nobody replaces another device's attachment). Limits
   * and quotas are the HTTP layer's ({@link blobUsage}).
   */
  putBlob(
    record: string,
    blobId: string,
    compartment: string,
    data: Uint8Array,
    now?: number,
  ): Promise<boolean>;
  getBlob(record: string, blobId: string): Promise<DocumentBlob | null>;
  /** `false` when there was no such blob. */
  deleteBlob(record: string, blobId: string): Promise<boolean>;
  /** Bytes of the record's stored blobs. */
  blobUsage(record: string): Promise<number>;

  // --- SMART Health Links --------------------------------------------------------------------
  /**
   * Stores (or, for a long-term link, replaces) a link's blob; `false`, changing nothing, when
   * the id was revoked or belongs to another record. A replacement keeps the attempts left.
   */
  putShl(id: string, shl: ShlInput, now?: number): Promise<boolean>;
  /** The link's blob, or `null` when unknown, revoked, expired or out of passcode attempts. */
  getShl(id: string, now?: number): Promise<ShlBlob | null>;
  /** Logs one access (the newest {@link SHL_ACCESS_LOG_MAX} are kept). */
  recordShlAccess(id: string, recipient: string, at: number): Promise<void>;
  /** Accesses of the link, newest first. */
  shlAccessLog(id: string): Promise<ShlAccess[]>;
  /**
   * Counts one wrong passcode, atomically (parallel requests cannot share an attempt): the
   * attempts left afterwards, or `null` when the link is unknown, revoked or has no passcode.
   * At 0 the link is inactive for good.
   */
  decrementShlAttempts(id: string): Promise<number | null>;
  /** Deletes the link's blob for good (its id stays taken); `false` when unknown. */
  revokeShl(id: string): Promise<boolean>;

  // --- Web Push reminders -------------------------------------------------------------------
  /** Stores (or replaces) a device's subscription for a record. */
  putPushSubscription(sub: PushSubscriptionRecord): Promise<void>;
  getPushSubscription(
    record: string,
    deviceKey: Uint8Array,
  ): Promise<PushSubscriptionRecord | null>;
  /** The record's subscriptions. */
  pushSubscriptions(record: string): Promise<PushSubscriptionRecord[]>;
  /** `false` when there was none. */
  deletePushSubscription(record: string, deviceKey: Uint8Array): Promise<boolean>;
  /** Subscriptions with a reminder due at `now` or before (`nextAt <= now`), earliest first. */
  duePushSubscriptions(now: number, limit: number): Promise<PushSubscriptionRecord[]>;
  /**
   * Replaces the schedule of a subscription only if its `nextAt` is still `expectedNextAt`
   * (compare-and-set): of several instances ticking at once one claims a reminder, so it is sent
   * once. `false` when another claimed it or the subscription changed or went.
   */
  claimPushSchedule(
    record: string,
    deviceKey: Uint8Array,
    expectedNextAt: number,
    next: PushSchedule,
  ): Promise<boolean>;
  /**
   * The relay's VAPID private key (PKCS #8 DER), made once: stores `candidate` if none is stored
   * and returns the stored one, so every instance on one database signs with the same key.
   */
  pushKey(candidate: Uint8Array): Promise<Uint8Array>;

  // --- last seen -----------------------------------------------------------------------------
  /** Records that a device connected to a record at `at` (Unix ms); an earlier time never wins. */
  markSeen(recordId: string, deviceKey: Uint8Array, at: number): Promise<void>;
  /** When each device last connected to a record, latest first. */
  lastSeen(recordId: string): Promise<Array<{ deviceKey: Uint8Array; at: number }>>;

  // --- instances and lifecycle ---------------------------------------------------------------
  /** Listens for other instances' commits (see {@link StoreEvents}); returns the unsubscribe. */
  watch(events: StoreEvents): () => void;
  readonly isClosed: boolean;
  /** Flushes and closes. Idempotent. */
  close(): Promise<void>;
}
