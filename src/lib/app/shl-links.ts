import { randomBytes } from '$lib/core/crypto/random';
import { exportBundle } from '$lib/core/fhir/index';
import { COMPARTMENTS, type Compartment } from '$lib/core/record/index';
import { createShlink, newShlId } from '$lib/core/shl/index';
import {
  getShlStatus,
  putShl,
  revokeShl,
  shlManifestUrl,
  type ShlAccessRow,
  type ShlTarget,
} from '$lib/platform/relay-shl';
import { recordView } from './fhir-record';
import type { RecordSession } from './record-session';
import { SharingError } from './session-types';

/**
 * Sharing by SMART Health Link (issue 13 item 4). The patient's device exports the chosen part of
 * the record as an IPS Bundle, encrypts it (JWE) under a fresh key that only the link carries,
 * and stores the ciphertext on the relay under a random 256-bit id, with the expiry and the
 * passcode (which the relay checks and counts). The link list, with each link (and so its key)
 * and the access log last read, is kept on this device only, encrypted (`LocalStore`).
 */

const LIST_KEY = 'shl-links';
const DAY_MS = 86_400_000;
export const SHL_EXPIRY_DAYS = [1, 7, 30, 90] as const;
export const SHL_DEFAULT_EXPIRY_DAYS = 7;
/** Letters and digits a person reads without confusion (no 0/O, 1/I/L). */
const PASSCODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const PASSCODE_LENGTH = 6;
const MAX_LINKS = 200;

export interface ShlLink {
  readonly id: string;
  /** The link text (viewer URL with `#shlink:/…`): holds the key, so it stays on this device. */
  readonly link: string;
  readonly compartments: readonly Compartment[];
  /** Unix ms. */
  readonly created: number;
  readonly expires: number;
  readonly passcode: boolean;
  readonly revoked: boolean;
  /** The access log as last read from the relay, newest first. */
  readonly accesses: readonly ShlAccessRow[];
}

export interface CreateLinkOptions {
  readonly compartments: readonly Compartment[];
  readonly expiryDays: number;
  readonly passcode: boolean;
  /** The viewer the link opens in (`https://app.example/shl`). */
  readonly viewer: string;
  readonly now?: number;
}

export interface CreatedLink {
  readonly link: ShlLink;
  /** Shown once; not kept anywhere on this device. */
  readonly passcode: string | null;
}

/** A random passcode of {@link PASSCODE_LENGTH} unambiguous characters (about 30 bits). */
export function newPasscode(): string {
  let out = '';
  while (out.length < PASSCODE_LENGTH) {
    for (const b of randomBytes(16)) {
      // Rejection sampling: no bias towards the first letters.
      if (b < 248 && out.length < PASSCODE_LENGTH) {
        out += PASSCODE_ALPHABET[b % PASSCODE_ALPHABET.length];
      }
    }
  }
  return out;
}

/** What a passcode typed into the viewer becomes (the generated ones are upper case). */
export function normalisePasscode(typed: string): string {
  return typed.replace(/\s+/g, '').toUpperCase();
}

function isAccess(v: unknown): v is ShlAccessRow {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['recipient'] === 'string' && typeof o['at'] === 'number';
}

function isLink(v: unknown): v is ShlLink {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o['id'] === 'string' &&
    typeof o['link'] === 'string' &&
    Array.isArray(o['compartments']) &&
    o['compartments'].every((c) => (COMPARTMENTS as readonly unknown[]).includes(c)) &&
    typeof o['created'] === 'number' &&
    typeof o['expires'] === 'number' &&
    typeof o['passcode'] === 'boolean' &&
    typeof o['revoked'] === 'boolean' &&
    Array.isArray(o['accesses']) &&
    o['accesses'].every(isAccess)
  );
}

/** This device's links, newest first (an unreadable list reads as empty). */
export async function listLinks(session: RecordSession): Promise<ShlLink[]> {
  const v = await session.loadLocal(LIST_KEY);
  return Array.isArray(v) ? v.filter(isLink).sort((a, b) => b.created - a.created) : [];
}

async function saveLinks(session: RecordSession, links: readonly ShlLink[]): Promise<void> {
  await session.saveLocal(LIST_KEY, links.slice(0, MAX_LINKS));
}

function target(session: RecordSession, id: string): ShlTarget {
  return { relayUrl: session.relayUrl, recordId: session.recordId, id, signer: session.device };
}

function requireOwner(session: RecordSession): void {
  if (session.role !== 'owner') {
    throw new SharingError('Only the patient’s own devices share the record by link.');
  }
}

/** Whether a link still opens (not revoked, not past its expiry). */
export function isActive(link: ShlLink, now = Date.now()): boolean {
  return !link.revoked && link.expires > now;
}

/**
 * Makes a link: exports the chosen compartments, encrypts on this device, stores the ciphertext
 * on the relay, and adds the link to this device's list. Throws {@link SharingError} (not the
 * owner, nothing chosen) or `RelayError` (refused or offline); nothing is kept then.
 */
export async function createLink(
  session: RecordSession,
  opts: CreateLinkOptions,
): Promise<CreatedLink> {
  requireOwner(session);
  const compartments = COMPARTMENTS.filter((c) => opts.compartments.includes(c));
  if (compartments.length === 0) throw new SharingError('Choose at least one part to share.');
  if (!Number.isInteger(opts.expiryDays) || opts.expiryDays < 1 || opts.expiryDays > 365) {
    throw new SharingError('A link lasts 1 to 365 days.');
  }
  const now = opts.now ?? Date.now();
  const expires = now + opts.expiryDays * DAY_MS;
  const bundle = exportBundle(recordView(session, compartments), {
    now: new Date(now).toISOString(),
    scope: { compartments },
  });
  const id = newShlId();
  const created = await createShlink({
    json: bundle,
    url: shlManifestUrl(session.relayUrl, id),
    passcode: opts.passcode,
    exp: Math.floor(expires / 1000),
    viewer: opts.viewer,
  });
  const passcode = opts.passcode ? newPasscode() : null;
  await putShl(target(session, id), { jwe: created.jwe, expires, passcode });
  const link: ShlLink = {
    id,
    link: created.link,
    compartments,
    created: now,
    expires,
    passcode: passcode !== null,
    revoked: false,
    accesses: [],
  };
  await saveLinks(session, [link, ...(await listLinks(session))]);
  return { link, passcode };
}

async function update(
  session: RecordSession,
  id: string,
  change: (l: ShlLink) => ShlLink,
): Promise<ShlLink[]> {
  const links = (await listLinks(session)).map((l) => (l.id === id ? change(l) : l));
  await saveLinks(session, links);
  return links;
}

/**
 * Reads each active link's access log from the relay and keeps it on this device (an inactive
 * link keeps the log last read). Offline: the list as kept.
 */
export async function refreshLinks(session: RecordSession, now = Date.now()): Promise<ShlLink[]> {
  let links = await listLinks(session);
  for (const l of links) {
    if (!isActive(l, now)) continue;
    let status;
    try {
      status = await getShlStatus(target(session, l.id));
    } catch {
      return links;
    }
    links = await update(session, l.id, (x) =>
      status ? { ...x, accesses: status.accesses } : { ...x, expires: Math.min(x.expires, now) },
    );
  }
  return links;
}

/** Revokes a link on the relay (for good) and marks it so here. */
export async function revokeLink(session: RecordSession, id: string): Promise<ShlLink[]> {
  requireOwner(session);
  const t = target(session, id);
  const status = await getShlStatus(t).catch(() => null);
  await revokeShl(t);
  return update(session, id, (x) => ({
    ...x,
    revoked: true,
    ...(status ? { accesses: status.accesses } : {}),
  }));
}

/** Forgets a link on this device (after revoking it, if it is active). */
export async function forgetLink(session: RecordSession, id: string): Promise<ShlLink[]> {
  const links = await listLinks(session);
  const l = links.find((x) => x.id === id);
  if (l && isActive(l)) await revokeLink(session, id);
  const left = links.filter((x) => x.id !== id);
  await saveLinks(session, left);
  return left;
}
