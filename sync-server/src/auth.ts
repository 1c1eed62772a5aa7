import {
  decodeAuthToken,
  decodeManifest,
  granteeFor,
  isProtocolError,
  parseDocumentName,
  recordIdForRootKey,
  roleMayWrite,
  toHex,
  tokenAcceptedUntil,
  verifyAuthToken,
  verifyManifest,
  verifyManifestSuccessor,
  type AuthToken,
  type Role,
  type SignedManifest,
  type TokenExpectation,
} from '../../src/lib/core/sync/protocol';
import type { RelayStore } from './store';

/**
 * Who may open which document, and who may write what. The relay asks an {@link Authorizer};
 * the real one ({@link ManifestAuthorizer}) reads the signed grant manifests of the records,
 * tests can plug in {@link TestAuthorizer}.
 */

export type { Role };

/** What an accepted connection may do; kept in the Hocuspocus connection context. */
export interface Grant {
  readonly recordId: string;
  readonly docId: string;
  readonly deviceKey: Uint8Array;
  readonly role: Role;
  /** Viewers read only: the relay refuses their writes. */
  readonly readOnly: boolean;
  /** When the grant ends (Unix ms), or `null`. The relay closes the connection then. */
  readonly notAfter: number | null;
}

/** A refusal with a literal code (sent to the client as the reason) and a readable message. */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Authorizer {
  /** Checks a connection's token for a document; throws {@link AuthError} to refuse. */
  authenticate(token: string, documentName: string): Promise<Grant>;
  /**
   * The grant as it stands now (after a manifest change, or at `notAfter`); `null` when it
   * vanished, expired or changed role, so the connection must close.
   */
  recheck(grant: Grant): Grant | null;
  /** Whether the device still holds some grant for the document (its role may have changed). */
  holdsGrant?(grant: Grant): boolean;
  /** Whether `author` may write compartment `docId` of `recordId` now (for envelopes it signed). */
  isWriter(recordId: string, docId: string, author: Uint8Array): boolean;
}

/** Why {@link NonceCache.use} refused a nonce. */
export type NonceRefusal = 'replayed' | 'device-busy';

/**
 * Remembers the nonces of accepted tokens for as long as the relay would accept the token
 * (`exp + CLOCK_SKEW_MS`, {@link tokenAcceptedUntil}), so a captured token cannot be used twice.
 *
 * Memory is bounded per grantee: a device key in one record, checked against the manifest before
 * a nonce is remembered (a professional's one device in hundreds of records gets a share in
 * each). A grantee that makes more than `perDevice` live tokens is refused (`device-busy`) until
 * its own tokens expire; it never pushes out another's nonces. When the cache as a whole is full,
 * the oldest nonce of the grantee holding the largest share is dropped, so one with fewer than
 * its fair share of entries is never refused and never loses one.
 */
export class NonceCache {
  /** Per grantee: nonce (16 chars, one per byte) → until when it is remembered. */
  private readonly grantees = new Map<string, Map<string, number>>();
  /** Grantees by how many nonces they hold, to find the largest share in O(1). */
  private readonly bySize = new Map<number, Set<string>>();
  private largest = 0;
  /** Every remembered nonce in the order it came; expired ones are dropped from the front. */
  private queue: Array<{
    readonly grantee: string;
    readonly nonce: string;
    readonly until: number;
  }> = [];
  private head = 0;
  private total = 0;

  constructor(
    private readonly max = 500_000,
    readonly perDevice = 4096,
  ) {}

  /** Remembered nonces (all grantees). */
  get size(): number {
    return this.total;
  }

  /**
   * `null` the first time a grantee's nonce is seen (remembering it until `until`). `recordId`
   * and `device` name the grantee that signed the token.
   */
  use(
    recordId: string,
    device: Uint8Array,
    nonce: Uint8Array,
    until: number,
    now: number,
  ): NonceRefusal | null {
    this.expireFront(now);
    const grantee = `${recordId}:${String.fromCharCode(...device)}`;
    const key = String.fromCharCode(...nonce);
    let mine = this.grantees.get(grantee);
    const known = mine?.get(key);
    if (known !== undefined && known > now) return 'replayed';
    if (known !== undefined) this.remove(grantee, key);
    mine = this.grantees.get(grantee);
    if (mine && mine.size >= this.perDevice) {
      // Tokens do not expire in queue order exactly (lifetimes differ): sweep this grantee.
      for (const [k, u] of mine) if (u <= now) this.remove(grantee, k);
      mine = this.grantees.get(grantee);
      if (mine && mine.size >= this.perDevice) return 'device-busy';
    }
    while (this.total >= this.max && this.evictFromLargest());
    if (!mine) {
      mine = new Map();
      this.grantees.set(grantee, mine);
    }
    this.resize(grantee, mine.size, mine.size + 1);
    mine.set(key, until);
    this.total++;
    this.queue.push({ grantee, nonce: key, until });
    return null;
  }

  /** Drops expired nonces from the front of the arrival queue (amortised O(1) per use). */
  private expireFront(now: number): void {
    while (this.head < this.queue.length) {
      const e = this.queue[this.head]!;
      const live = this.grantees.get(e.grantee)?.get(e.nonce);
      if (live === e.until && e.until > now) break;
      if (live === e.until) this.remove(e.grantee, e.nonce);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private remove(grantee: string, key: string): void {
    const m = this.grantees.get(grantee);
    if (!m?.delete(key)) return;
    this.total--;
    this.resize(grantee, m.size + 1, m.size);
    if (m.size === 0) this.grantees.delete(grantee);
  }

  private resize(grantee: string, from: number, to: number): void {
    if (from > 0) {
      const set = this.bySize.get(from)!;
      set.delete(grantee);
      if (set.size === 0) this.bySize.delete(from);
    }
    if (to > 0) {
      let set = this.bySize.get(to);
      if (!set) {
        set = new Set();
        this.bySize.set(to, set);
      }
      set.add(grantee);
    }
    if (to > this.largest) this.largest = to;
    while (this.largest > 0 && !this.bySize.has(this.largest)) this.largest--;
  }

  /** Drops the oldest nonce of a grantee holding the most. */
  private evictFromLargest(): boolean {
    const set = this.bySize.get(this.largest);
    const grantee = set?.values().next().value;
    if (grantee === undefined) return false;
    // Maps keep insertion order: the first key is this grantee's oldest nonce.
    const oldest = this.grantees.get(grantee)?.keys().next().value;
    if (oldest === undefined) return false;
    this.remove(grantee, oldest);
    return true;
  }
}

const NONCE_MESSAGES: Readonly<Record<NonceRefusal, string>> = {
  replayed: 'This token was used before.',
  'device-busy': 'This device made too many tokens for this record in a few minutes; wait.',
};

export type ManifestPutResult =
  | { readonly ok: true; readonly manifest: SignedManifest }
  | {
      readonly ok: false;
      readonly status: 400 | 403 | 409;
      readonly error: string;
      readonly message: string;
    };

/**
 * The records' signed manifests, kept in the store with a decoded cache in front. Listeners hear
 * of every accepted replacement, here or (PostgreSQL) on another instance, so the relay can
 * close connections whose grant vanished.
 *
 * The cache serves the synchronous checks of open connections ({@link peek}); anything that
 * accepts a connection or a request reads through {@link get}. A replacement is judged against
 * the stored manifest (not the cache, which another instance may have made stale) and stored
 * only if that is still the stored version (compare-and-set in the store).
 */
export class ManifestRegistry {
  private readonly cache = new Map<string, SignedManifest>();
  private readonly listeners = new Set<(m: SignedManifest) => void>();
  private readonly stopWatching: () => void;

  constructor(private readonly store: RelayStore) {
    this.stopWatching = store.watch({
      updates: () => undefined,
      manifest: (recordId, version) => void this.refresh(recordId, version),
      resync: () => {
        for (const recordId of [...this.cache.keys()]) void this.refresh(recordId);
      },
    });
  }

  /** The manifest as cached (loaded by an earlier {@link get}), for checks of open connections. */
  peek(recordId: string): SignedManifest | null {
    return this.cache.get(recordId) ?? null;
  }

  async get(recordId: string): Promise<SignedManifest | null> {
    const cached = this.cache.get(recordId);
    if (cached) return cached;
    const row = await this.store.getManifest(recordId);
    if (!row) return null;
    const m = decodeManifest(row.data);
    if (isProtocolError(m)) return null;
    const now = this.cache.get(recordId);
    if (now && now.version >= m.version) return now;
    this.cache.set(recordId, m);
    return m;
  }

  async getBytes(recordId: string): Promise<Uint8Array | null> {
    return (await this.store.getManifest(recordId))?.data ?? null;
  }

  /** Another instance stored a newer manifest: load it and tell the listeners. */
  private async refresh(recordId: string, version?: number): Promise<void> {
    const cached = this.cache.get(recordId);
    if (cached && version !== undefined && cached.version >= version) return;
    let row;
    try {
      row = await this.store.getManifest(recordId);
    } catch {
      // The cache stays; the next change or resync tries again.
      return;
    }
    if (!row) return;
    const m = decodeManifest(row.data);
    if (isProtocolError(m)) return;
    const current = this.cache.get(recordId);
    if (current && current.version >= m.version) return;
    this.cache.set(recordId, m);
    for (const listener of this.listeners) listener(m);
  }

  /**
   * Accepts a manifest for `recordId` if it decodes, is signed by the record's root key, belongs
   * to this record, and is a permitted successor of the stored one. Changes nothing otherwise.
   */
  async put(recordId: string, bytes: Uint8Array, now = Date.now()): Promise<ManifestPutResult> {
    const m = decodeManifest(bytes);
    if (isProtocolError(m)) return { ok: false, status: 400, error: m.error, message: m.message };
    const bad = verifyManifest(m);
    if (bad) return { ok: false, status: 400, error: bad.error, message: bad.message };
    if (m.recordId !== recordId || recordIdForRootKey(m.rootKey) !== recordId) {
      return {
        ok: false,
        status: 400,
        error: 'wrong-record',
        message: 'The manifest belongs to another record.',
      };
    }
    const stored = await this.store.getManifest(recordId);
    let previous: SignedManifest | null = null;
    if (stored) {
      const decoded = decodeManifest(stored.data);
      previous = isProtocolError(decoded) ? null : decoded;
    }
    if (previous) {
      const problem = verifyManifestSuccessor(previous, m, now);
      if (problem?.error === 'not-permitted' || problem?.error === 'wrong-record') {
        return { ok: false, status: 403, error: problem.error, message: problem.message };
      }
    }
    if (!(await this.store.putManifest(recordId, m.version, bytes, now, stored?.version ?? null))) {
      const latest = await this.store.getManifest(recordId);
      return {
        ok: false,
        status: 409,
        error: 'stale-version',
        message: `Manifest version ${m.version} is not newer than the stored version ${latest?.version ?? '?'}.`,
      };
    }
    const current = this.cache.get(recordId);
    if (!current || current.version < m.version) this.cache.set(recordId, m);
    for (const listener of this.listeners) listener(m);
    return { ok: true, manifest: m };
  }

  onChange(listener: (m: SignedManifest) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.stopWatching();
  }
}

/** The document name of the recovery blob's ownership proof. */
export const RECOVERY_DOC_ID = 'recovery';

/** Whether `deviceKey` is an owner device of the manifest now (any compartment). */
export function isOwner(m: SignedManifest, deviceKey: Uint8Array, now: number): boolean {
  return m.grantees.some(
    (g) =>
      g.role === 'owner' &&
      (g.notAfter === null || g.notAfter > now) &&
      toHex(g.deviceKey) === toHex(deviceKey),
  );
}

export interface ManifestAuthorizerOptions {
  /** The origins this relay answers to (tokens must name one); read on every check. */
  readonly origins: () => readonly string[];
  readonly nonces?: NonceCache;
  readonly now?: () => number;
}

/** The real authorizer: signed device tokens checked against the record's manifest. */
export class ManifestAuthorizer implements Authorizer {
  private readonly nonces: NonceCache;
  private readonly now: () => number;
  private readonly origins: () => readonly string[];

  constructor(
    private readonly manifests: ManifestRegistry,
    opts: ManifestAuthorizerOptions,
  ) {
    this.nonces = opts.nonces ?? new NonceCache();
    this.now = opts.now ?? Date.now;
    this.origins = opts.origins;
  }

  async authenticate(token: string, documentName: string): Promise<Grant> {
    const name = parseDocumentName(documentName);
    if (isProtocolError(name)) throw new AuthError('bad-document-name', name.message);
    const t = decodeAuthToken(token);
    if (isProtocolError(t)) throw new AuthError('bad-token', t.message);
    const now = this.now();
    const problem = verifyAuthToken(t, documentName, now, {
      origins: this.origins(),
      request: null,
    });
    if (problem) throw new AuthError(problem.error, problem.message);
    const manifest = await this.manifests.get(name.recordId);
    if (!manifest) throw new AuthError('no-manifest', 'The relay does not know this record.');
    const grant = granteeFor(manifest, t.deviceKey, name.docId, now);
    if (!grant) throw new AuthError('no-grant', 'This device has no grant for this document.');
    const refused = this.nonces.use(t.recordId, t.deviceKey, t.nonce, tokenAcceptedUntil(t), now);
    if (refused) throw new AuthError(refused, NONCE_MESSAGES[refused]);
    return {
      recordId: name.recordId,
      docId: name.docId,
      deviceKey: t.deviceKey,
      role: grant.role,
      readOnly: !roleMayWrite(grant.role),
      notAfter: grant.notAfter,
    };
  }

  recheck(grant: Grant): Grant | null {
    const m = this.manifests.peek(grant.recordId);
    const g = m && granteeFor(m, grant.deviceKey, grant.docId, this.now());
    if (!g || g.role !== grant.role) return null;
    return g.notAfter === grant.notAfter ? grant : { ...grant, notAfter: g.notAfter };
  }

  holdsGrant(grant: Grant): boolean {
    const m = this.manifests.peek(grant.recordId);
    return !!m && granteeFor(m, grant.deviceKey, grant.docId, this.now()) !== null;
  }

  isWriter(recordId: string, docId: string, author: Uint8Array): boolean {
    const m = this.manifests.peek(recordId);
    const g = m && granteeFor(m, author, docId, this.now());
    return !!g && roleMayWrite(g.role);
  }
}

/**
 * Checks an ownership proof for a record's HTTP resources (the recovery blob, last seen): a token
 * for `${recordId}:recovery` that names this relay and exactly this request (`expect.request`,
 * the binding of method, path and body; see `verifyAuthToken`), signed by a device that is an
 * owner in the stored manifest, used once. Refused when the relay has no manifest for the record.
 */
export async function verifyOwnerProof(
  manifests: ManifestRegistry,
  nonces: NonceCache,
  recordId: string,
  proof: string | undefined,
  now: number,
  expect: TokenExpectation,
): Promise<AuthToken> {
  const manifest = await manifests.get(recordId);
  if (!manifest) throw new AuthError('no-manifest', 'Upload the record manifest first.');
  if (!proof) throw new AuthError('no-proof', 'The x-backpack-proof header is missing.');
  const t = decodeAuthToken(proof);
  if (isProtocolError(t)) throw new AuthError('bad-proof', t.message);
  const problem = verifyAuthToken(t, `${recordId}:${RECOVERY_DOC_ID}`, now, expect);
  if (problem) throw new AuthError(problem.error, problem.message);
  if (!isOwner(manifest, t.deviceKey, now)) {
    throw new AuthError('not-owner', 'Only an owner device of this record may do this.');
  }
  const refused = nonces.use(t.recordId, t.deviceKey, t.nonce, tokenAcceptedUntil(t), now);
  if (refused) {
    throw new AuthError(
      refused,
      refused === 'replayed' ? 'This proof was used before.' : NONCE_MESSAGES[refused],
    );
  }
  return t;
}

/**
 * For tests only: tokens are looked up in a table. Grants can be changed or removed to exercise
 * the relay's enforcement without signing manifests.
 */
export class TestAuthorizer implements Authorizer {
  private readonly grants = new Map<string, Grant>();

  /** Registers a token. `documentName` is `${recordId}:${docId}`. */
  allow(
    token: string,
    documentName: string,
    deviceKey: Uint8Array,
    role: Role,
    notAfter: number | null = null,
  ): void {
    const name = parseDocumentName(documentName);
    if (isProtocolError(name)) throw new Error(name.message);
    this.grants.set(token, {
      ...name,
      deviceKey,
      role,
      readOnly: !roleMayWrite(role),
      notAfter,
    });
  }

  revoke(token: string): void {
    this.grants.delete(token);
  }

  authenticate(token: string, documentName: string): Promise<Grant> {
    const g = this.grants.get(token);
    if (!g || `${g.recordId}:${g.docId}` !== documentName) {
      return Promise.reject(new AuthError('no-grant', 'Unknown test token.'));
    }
    if (g.notAfter !== null && g.notAfter <= Date.now()) {
      return Promise.reject(new AuthError('no-grant', 'The test grant expired.'));
    }
    return Promise.resolve(g);
  }

  recheck(grant: Grant): Grant | null {
    for (const g of this.grants.values()) {
      if (
        g.recordId === grant.recordId &&
        g.docId === grant.docId &&
        toHex(g.deviceKey) === toHex(grant.deviceKey) &&
        g.role === grant.role &&
        (g.notAfter === null || g.notAfter > Date.now())
      ) {
        return g;
      }
    }
    return null;
  }

  isWriter(recordId: string, docId: string, author: Uint8Array): boolean {
    for (const g of this.grants.values()) {
      if (
        g.recordId === recordId &&
        g.docId === docId &&
        toHex(g.deviceKey) === toHex(author) &&
        !g.readOnly
      ) {
        return true;
      }
    }
    return false;
  }
}
