import * as Y from 'yjs';
import {
  deviceKeysFromSeed,
  forceEd25519Backend,
  newSeed,
  randomBytes,
  verifyEnvelopeSignatureAsync,
} from '../crypto/index';
import {
  listEntries,
  newEntryId,
  putEntry,
  validateRecordUpdate,
  type Entry,
} from '../record/index';
import { EncryptedDocBinding, OUTER_ARRAY, type BindingOptions } from './binding';
import { MemoryKeyring } from './keyring';
import type { Envelope, Role } from './protocol';

/**
 * Test support for the binding's tests (`binding*.test.ts`, `checkpoint.test.ts`,
 * `write-gate.test.ts`): devices bound to one compartment over a shared {@link MemoryKeyring},
 * a relay stand-in ({@link sync}), notes to write and read, and the signature paths to run on.
 */

export const DOC = 'clinical';

/**
 * The paths a signature can be checked on: the synchronous default (noble, strict), and the
 * asynchronous one on WebCrypto and on its noble fallback (forced).
 */
export const SIGNATURE_PATHS = ['sync', 'webcrypto', 'noble'] as const;
type SignaturePath = (typeof SIGNATURE_PATHS)[number];
export let verifier: ((env: Envelope) => boolean | Promise<boolean>) | undefined;
const live: EncryptedDocBinding[] = [];

export function usePath(path: SignaturePath): void {
  forceEd25519Backend(path === 'sync' ? null : path);
  verifier = path === 'sync' ? undefined : verifyEnvelopeSignatureAsync;
  live.length = 0;
}

/** Waits until every binding made since {@link usePath} has applied what it received. */
export async function settleAll(): Promise<void> {
  for (let round = 0; round < 3; round++) await Promise.all(live.map((b) => b.settled()));
}

export interface Device {
  name: string;
  keys: ReturnType<typeof deviceKeysFromSeed>;
  role: Role;
  inner: Y.Doc;
  outer: Y.Doc;
  binding: EncryptedDocBinding;
}

/**
 * A binding of the test compartment for the owner device `keys`, on new inner and outer docs
 * unless `opts` gives them, with the other options given (the keyring holds the roles).
 */
export function ownerBinding(
  keyring: MemoryKeyring,
  keys: ReturnType<typeof deviceKeysFromSeed>,
  opts: Partial<Omit<BindingOptions, 'docId' | 'keyring' | 'author'>> = {},
): EncryptedDocBinding {
  return new EncryptedDocBinding({
    docId: DOC,
    inner: new Y.Doc(),
    outer: new Y.Doc(),
    keyring,
    author: { ...keys, role: 'owner' },
    ...opts,
  });
}

export function makeDevice(
  name: string,
  keyring: MemoryKeyring,
  role: Role = 'owner',
  compactAfter = 300,
): Device {
  const keys = deviceKeysFromSeed(newSeed());
  keyring.setRole(keys.signPublic, role);
  const inner = new Y.Doc();
  const outer = new Y.Doc();
  const binding = new EncryptedDocBinding({
    docId: DOC,
    inner,
    outer,
    keyring,
    author: { signPublic: keys.signPublic, signSecret: keys.signSecret, role },
    validate: validateRecordUpdate,
    batchMs: 0,
    compactAfter,
    verifySignature: verifier,
  });
  live.push(binding);
  return { name, keys, role, inner, outer, binding };
}

/** Syncs two outer docs both ways, as a relay would. */
export function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

/** Puts a note entry written by `deviceId` into `doc` (data as given). */
export function putNote(doc: Y.Doc, deviceId: string, data: unknown, role: Role = 'owner'): Entry {
  const entry: Entry = {
    id: newEntryId(deviceId),
    type: 'note',
    at: new Date().toISOString(),
    author: { deviceId, role },
    data,
    v: 1,
  };
  putEntry(doc, entry);
  return entry;
}

export function write(
  d: Device,
  text: string,
  at = new Date().toISOString(),
  id = newEntryId(d.keys.deviceId),
): Entry {
  const entry: Entry = {
    id,
    type: 'note',
    at,
    author: { deviceId: d.keys.deviceId, role: d.role },
    data: { text },
    v: 1,
  };
  putEntry(d.inner, entry);
  return entry;
}

export function texts(doc: Y.Doc): string[] {
  return listEntries(doc)
    .map((e) => (e.data as { text: string }).text)
    .sort();
}

export function setup() {
  const keyring = new MemoryKeyring().setKey(DOC, 0, randomBytes(32));
  const a = makeDevice('a', keyring);
  const b = makeDevice('b', keyring);
  return { keyring, a, b };
}

export function pushRaw(d: Device, bytes: Uint8Array): void {
  d.outer.getArray<Uint8Array>(OUTER_ARRAY).push([bytes]);
}
