import { randomBytes, type RootKeys } from '../crypto/index';
import {
  base32,
  bytesEqual,
  verifyManifestSuccessor,
  type ManifestCompartment,
  type SignedManifest,
} from '../sync/protocol';
import { COMPARTMENT_ORIGIN, COMPARTMENTS } from '../record/entries';
import { sealLockboxes, signManifest, type EpochKeys } from './manifest';

/**
 * A record made before a compartment existed gains it (the `safety` compartment of the warning
 * signs, issue 12 item 9). Only the root signs this: a delegate may not add compartments
 * (`verifyManifestSuccessor`).
 *
 * Who gets the new compartment: the patient's devices and the root, and every grantee who could
 * read the compartment its entries lived in before (`COMPARTMENT_ORIGIN`), so nobody loses what they read
 * today; the patient then narrows a grant (which moves the new compartment to a new key, as any
 * narrowing does). Each new compartment starts at epoch 0 with a fresh key, which is added to
 * `keys`.
 */
export function addCompartments(
  current: SignedManifest,
  root: RootKeys,
  keys: EpochKeys,
  nowMs: number,
): SignedManifest | null {
  const missing = COMPARTMENTS.filter((name) => !current.compartments.some((c) => c.name === name));
  if (missing.length === 0) return null;
  const added: ManifestCompartment[] = missing.map((name) => ({
    name,
    docId: `${name.slice(0, 1)}${base32(randomBytes(10))}`,
    epoch: 0,
  }));
  const fresh: EpochKeys = new Map();
  for (const c of added) {
    const key = randomBytes(32);
    fresh.set(c.docId, new Map([[0, key]]));
  }
  const formerDoc = (name: string): string | undefined => {
    const before = COMPARTMENT_ORIGIN[name as keyof typeof COMPARTMENT_ORIGIN];
    return current.compartments.find((c) => c.name === before)?.docId;
  };
  const grantees = current.grantees.map((g) => {
    const gains = added.filter((c) => {
      if (g.role === 'owner') return true;
      const doc = formerDoc(c.name);
      return doc !== undefined && g.compartments.includes(doc);
    });
    return gains.length === 0
      ? g
      : { ...g, compartments: [...g.compartments, ...gains.map((c) => c.docId)] };
  });
  const lockboxes = [...current.lockboxes];
  for (const c of added) {
    const recipients = [
      current.rootBoxKey,
      ...grantees.filter((g) => g.compartments.includes(c.docId)).map((g) => g.boxKey),
    ].filter((r, i, all) => all.findIndex((x) => bytesEqual(x, r)) === i);
    lockboxes.push(...sealLockboxes(recipients, current.recordId, [c], fresh));
  }
  const next = signManifest(
    {
      ...current,
      version: current.version + 1,
      issuedAt: nowMs,
      compartments: [...current.compartments, ...added],
      grantees,
      lockboxes,
    },
    root,
  );
  const problem = verifyManifestSuccessor(current, next, nowMs);
  if (problem) throw new Error(problem.message);
  for (const [docId, epochs] of fresh) keys.set(docId, epochs);
  return next;
}
