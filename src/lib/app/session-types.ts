import type * as Y from 'yjs';
import type { IndexeddbPersistence } from 'y-indexeddb';
import type { KdfSettings } from '$lib/core/crypto/index';
import {
  granteeFor,
  type EncryptedDocBinding,
  type ManifestGrantee,
  type SignedManifest,
} from '$lib/core/sync/index';
import type { AccessEvent, Compartment, DeviceKind } from '$lib/core/record/index';
import type { SharedSocket } from '$lib/platform/relay-socket';
import { DeviceStore } from '$lib/platform/vault-db';

/** The shapes a record session deals in, shared by its parts (`record-session.ts` and siblings). */

export type SyncState =
  | { state: 'local' }
  | { state: 'offline'; pending: number }
  | { state: 'pending'; pending: number }
  | { state: 'synced' }
  | { state: 'problem'; problem: SyncProblem; count?: number; detail?: string };

/**
 * Why a record does not sync, as a code the UI words in the user's language (`detail`, when
 * present, is the relay's own English message, for support).
 */
export type SyncProblem =
  'access-ended' | 'denied' | 'clock' | 'publish' | 'rejected' | 'gaps' | 'awaiting-manifest';

export interface OpenCompartment {
  readonly name: string;
  readonly docId: string;
  readonly inner: Y.Doc;
  readonly outer: Y.Doc;
  readonly binding: EncryptedDocBinding;
  readonly persistence: IndexeddbPersistence | null;
}

export interface SessionOptions {
  /** Passphrase KDF settings for new wrappings (and upgrades); tests pass cheaper ones. */
  readonly kdf?: KdfSettings;
  /** For Node tests. */
  readonly WebSocketPolyfill?: unknown;
  /** Persist outer docs in IndexedDB (off in some tests). */
  readonly persist?: boolean;
  readonly batchMs?: number;
  /** Separates simulated devices in one test process, and a workspace's records. */
  readonly namespace?: string;
  /** Who writes from this device, as entries name them (professionals and relatives). */
  readonly authorInfo?: {
    readonly name: string;
    readonly sector: string;
    readonly profession?: string;
    readonly organisation?: string;
  };
  /** One WebSocket shared by many records (a professional's workspace). */
  readonly socket?: SharedSocket;
  /** Told of every newer manifest accepted (a workspace stores it with its list of records). */
  readonly onManifest?: (m: SignedManifest) => void | Promise<void>;
  /**
   * @internal Tests only: behave as an older app that knew only these compartments (a new record
   * gets only them, and none is added), to test the upgrade a newer app then makes.
   */
  readonly asOlderApp?: { readonly compartments: readonly Compartment[] };
}

/** What the patient chooses when sharing. */
export interface GrantScope {
  readonly role: 'delegate' | 'professional' | 'viewer';
  readonly compartments: readonly Compartment[];
  /** Unix ms, or null for no end. */
  readonly notAfter: number | null;
  /** A delegate who may manage sharing. */
  readonly manage: boolean;
}

/** One line of the access page. */
export interface AccessRow {
  readonly device: string;
  readonly role: ManifestGrantee['role'];
  readonly compartments: readonly string[];
  readonly since: number;
  readonly notAfter: number | null;
  readonly manage: boolean;
  /** From the audit trail; `null` if this device never saw the grant being made. */
  readonly person: AccessEvent['person'] | null;
}

/** One of the patient's own devices, as the Share page lists it. */
export interface DeviceRow {
  readonly device: string;
  /** From the record's newest `device-name` entry; `null` until the device is named. */
  readonly name: string | null;
  readonly kind: DeviceKind | null;
  /** When it was linked (its grant's `since`). */
  readonly since: number;
  /** This device. */
  readonly self: boolean;
}

export class SharingError extends Error {
  override name = 'SharingError';
}

export function storeFor(opts: SessionOptions): DeviceStore {
  return new DeviceStore(opts.namespace ?? '');
}

/** The role a device holds in any compartment now, if it is listed. */
export function roleIn(
  m: SignedManifest,
  deviceKey: Uint8Array,
): ManifestGrantee['role'] | undefined {
  const now = Date.now();
  for (const c of m.compartments) {
    const g = granteeFor(m, deviceKey, c.docId, now);
    if (g) return g.role;
  }
  return undefined;
}

export type RestoreFailure =
  'empty' | 'characters' | 'length' | 'checksum' | 'not-found' | 'does-not-open' | 'manifest';

export class RestoreError extends Error {
  constructor(
    readonly code: RestoreFailure,
    detail?: string,
  ) {
    super(detail ?? code);
    this.name = 'RestoreError';
  }
}
