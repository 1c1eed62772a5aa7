import { randomBytes, seal, type DeviceKeys, type RootKeys } from '$lib/core/crypto/index';
import {
  addCompartments,
  addOwnerDevice,
  assertLinkRequestSigned,
  assertPersonSigned,
  encodeInviteCode,
  grantAccess,
  inviteMailbox,
  linkContext,
  openInviteAnswer,
  revokeAccess,
  sealShareNotice,
  signInvite,
  type ContactCard,
  type EpochKeys,
  type Invite,
  type InviteAnswer,
  type LinkRequest,
  type ManifestSigner,
} from '$lib/core/sharing/index';
import {
  bytesEqual,
  hasValidCertificate,
  toHex,
  type ManifestGrantee,
  type SignedManifest,
} from '$lib/core/sync/index';
import {
  ACCESS_EVENT,
  DEVICE_NAME,
  deviceNames,
  isEntryOf,
  type DeviceKind,
  type AccessEvent,
  type Compartment,
  type Entry,
  type EntryDataMap,
  type EntryType,
} from '$lib/core/record/index';
import { getLastSeen, putMailbox, putManifest, takeMailbox } from '$lib/platform/relay-http';
import { SharingError, type AccessRow, type DeviceRow, type GrantScope } from './session-types';

/** What the sharing part needs of its session. */
export interface SharingHost {
  readonly recordId: string;
  readonly relayUrl: string;
  readonly device: DeviceKeys;
  readonly root: RootKeys | null;
  readonly epochKeys: EpochKeys;
  readonly currentManifest: SignedManifest;
  readonly role: ManifestGrantee['role'] | undefined;
  readonly compartments: ReadonlyMap<string, unknown>;
  refreshManifest(): Promise<void>;
  adoptManifests(steps: readonly SignedManifest[]): Promise<void>;
  entries(name: Compartment, type?: string): Entry[];
  write<K extends EntryType>(type: K, data: EntryDataMap[K]): Entry;
}

/**
 * Sharing a record (DESIGN §3): invites, grants, revocation, the audit trail, the access list and
 * linking another of the patient's devices. Every change is a new signed manifest, put on the
 * relay and adopted by the session.
 */
export class RecordSharing {
  constructor(private readonly host: SharingHost) {}

  // Sharing (DESIGN §3): invites, grants, revocation and the audit trail

  /** Who signs manifest changes here: the root, or this device as a certified delegate. */
  manifestSigner(): ManifestSigner | null {
    if (this.host.root) return this.host.root;
    const g = this.host.currentManifest.grantees.find((x) =>
      bytesEqual(x.deviceKey, this.host.device.signPublic),
    );
    return g && hasValidCertificate(this.host.currentManifest, g) ? this.host.device : null;
  }

  get canManageSharing(): boolean {
    return this.manifestSigner() !== null;
  }

  /** A fresh invite for someone to join this record; show `code` as QR or text. */
  createInvite(): { invite: Invite; code: string } {
    const invite: Invite = signInvite(
      {
        relayUrl: this.host.relayUrl,
        rootKey: this.host.currentManifest.rootKey,
        secret: randomBytes(16),
        issuer: this.host.device.signPublic,
      },
      this.host.device.signSecret,
    );
    return { invite, code: encodeInviteCode(invite) };
  }

  /** The invitee's answer once it arrived (`null` until then). Throws if it does not verify. */
  async takeInviteAnswer(invite: Invite): Promise<InviteAnswer | null> {
    const sealed = await takeMailbox(this.host.relayUrl, inviteMailbox(invite).mailbox);
    if (!sealed) return null;
    const answer = openInviteAnswer(invite, sealed);
    if (!answer) throw new SharingError('The answer to the invite does not open or verify.');
    return answer;
  }

  private docIds(names: readonly Compartment[]): string[] {
    return this.host.currentManifest.compartments
      .filter((c) => names.includes(c.name as Compartment))
      .map((c) => c.docId);
  }

  /**
   * Grants `person` access to the chosen compartments; writes the audit entry; for a contact
   * card, drops the record's address into the person's mailbox. `person` must be exactly what its
   * device signed (an altered code or answer throws `AlteredCodeError` and changes nothing).
   */
  async grant(
    person: InviteAnswer | ContactCard,
    scope: GrantScope,
    contact?: ContactCard,
  ): Promise<void> {
    // Another device (or a delegate) may have changed sharing meanwhile: build on the newest.
    await this.host.refreshManifest();
    const signer = this.manifestSigner();
    if (!signer)
      throw new SharingError('Only the patient or a delegate who manages sharing can share.');
    // Right before epoch keys are sealed to `person.device.boxPublic`.
    assertPersonSigned(person, this.host.recordId, contact);
    const now = Date.now();
    const existed = this.host.currentManifest.grantees.some((g) =>
      bytesEqual(g.deviceKey, person.device.signPublic),
    );
    const m = grantAccess(
      this.host.currentManifest,
      signer,
      {
        device: person.device,
        role: scope.role,
        compartments: this.docIds(scope.compartments),
        notAfter: scope.notAfter,
        manage: scope.manage,
      },
      this.host.epochKeys,
      now,
    );
    await putManifest(this.host.relayUrl, m);
    await this.host.adoptManifests([m]);
    this.audit({
      action: existed ? 'changed' : 'granted',
      device: toHex(person.device.signPublic),
      person: person.profile,
      role: scope.role,
      compartments: [...scope.compartments],
      notAfter: scope.notAfter === null ? null : new Date(scope.notAfter).toISOString(),
      ...(scope.manage ? { manage: true } : {}),
      manifestVersion: m.version,
    });
    if (contact) {
      await putMailbox(
        this.host.relayUrl,
        contact.mailbox,
        sealShareNotice(contact, this.host.relayUrl, this.host.currentManifest.rootKey),
      );
    }
  }

  /**
   * Ends grants (by device hex, or every expired one): new epochs for what they could read, keys
   * sealed to who remains, a snapshot, and the audit entries. What they saw stays with them.
   */
  async revoke(devices: readonly string[] | 'expired'): Promise<number> {
    await this.host.refreshManifest();
    const signer = this.manifestSigner();
    if (!signer)
      throw new SharingError('Only the patient or a delegate who manages sharing can do this.');
    const now = Date.now();
    const leaving = this.host.currentManifest.grantees.filter((g) =>
      devices === 'expired'
        ? g.notAfter !== null && g.notAfter <= now
        : devices.includes(toHex(g.deviceKey)),
    );
    if (leaving.length === 0) return 0;
    const { manifest } = revokeAccess(
      this.host.currentManifest,
      signer,
      leaving.map((g) => g.deviceKey),
      this.host.epochKeys,
      now,
    );
    await putManifest(this.host.relayUrl, manifest);
    await this.host.adoptManifests([manifest]);
    const people = this.accessPeople();
    for (const g of leaving) {
      const action = devices === 'expired' ? 'expired' : 'revoked';
      this.audit(this.granteeEvent(action, g, people, manifest.version, false));
    }
    return leaving.length;
  }

  /**
   * Changes which parts of the record an existing grant covers (keeping its role and end): a
   * part taken away moves to a new key (`grantAccess`). The keys go to the box key the signed
   * manifest already lists for that device.
   */
  async changeParts(device: string, parts: readonly Compartment[]): Promise<void> {
    await this.host.refreshManifest();
    const signer = this.manifestSigner();
    if (!signer)
      throw new SharingError('Only the patient or a delegate who manages sharing can do this.');
    const g = this.host.currentManifest.grantees.find((x) => toHex(x.deviceKey) === device);
    if (!g || g.role === 'owner') throw new SharingError('This person has no access to change.');
    if (parts.length === 0) throw new SharingError('Choose at least one part to share.');
    const now = Date.now();
    if (g.notAfter !== null && g.notAfter <= now) {
      throw new SharingError('This access has already ended.');
    }
    const m = grantAccess(
      this.host.currentManifest,
      signer,
      {
        device: { signPublic: g.deviceKey, boxPublic: g.boxKey },
        role: g.role,
        compartments: this.docIds(parts),
        notAfter: g.notAfter,
        manage: g.certificate !== null,
      },
      this.host.epochKeys,
      now,
    );
    await putManifest(this.host.relayUrl, m);
    await this.host.adoptManifests([m]);
    this.auditChange(g, m.version);
  }

  /**
   * A record made before a compartment existed gains it (`addCompartments`); everyone who read
   * where its entries lived keeps reading them, and the audit trail says so. Root devices only;
   * throws when the relay cannot be reached (nothing changes then). False when nothing lacks.
   */
  async addMissingCompartments(): Promise<boolean> {
    if (!this.host.root || this.host.role !== 'owner') return false;
    await this.host.refreshManifest();
    const before = this.host.currentManifest;
    const m = addCompartments(before, this.host.root, this.host.epochKeys, Date.now());
    if (!m) return false;
    await putManifest(this.host.relayUrl, m);
    await this.host.adoptManifests([m]);
    for (const g of m.grantees) {
      const was = before.grantees.find((x) => bytesEqual(x.deviceKey, g.deviceKey));
      if (g.role !== 'owner' && was && was.compartments.length !== g.compartments.length) {
        this.auditChange(g, m.version);
      }
    }
    return true;
  }

  private auditChange(g: ManifestGrantee, manifestVersion: number): void {
    const hex = toHex(g.deviceKey);
    const now = this.host.currentManifest.grantees.find((x) => toHex(x.deviceKey) === hex) ?? g;
    this.audit(
      this.granteeEvent(
        'changed',
        now,
        this.accessPeople(),
        manifestVersion,
        now.certificate !== null,
      ),
    );
  }

  /**
   * The audit entry of a manifest grantee as the manifest holds it (role, parts, end), for the
   * person the access list knows by its device (a placeholder when it knows none).
   */
  private granteeEvent(
    action: AccessEvent['action'],
    g: ManifestGrantee,
    people: ReadonlyMap<string, AccessEvent['person']>,
    manifestVersion: number,
    manage: boolean,
  ): AccessEvent {
    const device = toHex(g.deviceKey);
    return {
      action,
      device,
      person: people.get(device) ?? {
        kind: 'relative',
        name: '?',
        profession: '',
        organisation: '',
        sector: 'other',
      },
      role: g.role === 'owner' ? 'viewer' : g.role,
      compartments: this.compartmentNames(g.compartments),
      notAfter: g.notAfter === null ? null : new Date(g.notAfter).toISOString(),
      ...(manage ? { manage: true } : {}),
      manifestVersion,
    };
  }

  private compartmentNames(docIds: readonly string[]): string[] {
    return this.host.currentManifest.compartments
      .filter((c) => docIds.includes(c.docId))
      .map((c) => c.name);
  }

  /** The audit entry of a sharing change, where this device holds the clinical compartment. */
  private audit(event: AccessEvent): void {
    if (this.host.compartments.has('clinical')) this.host.write(ACCESS_EVENT, event);
  }

  /** The audit trail of sharing, oldest first. */
  accessEvents(): Entry<AccessEvent>[] {
    return this.host
      .entries('clinical', ACCESS_EVENT)
      .filter((e): e is Entry<AccessEvent> => isEntryOf(e, ACCESS_EVENT))
      .reverse();
  }

  private accessPeople(): Map<string, AccessEvent['person']> {
    const people = new Map<string, AccessEvent['person']>();
    for (const e of this.accessEvents()) people.set(e.data.device, e.data.person);
    return people;
  }

  /** Everyone but the patient's own devices who holds a grant now. */
  accessList(): AccessRow[] {
    const people = this.accessPeople();
    return this.host.currentManifest.grantees
      .filter((g) => g.role !== 'owner')
      .map((g) => ({
        device: toHex(g.deviceKey),
        role: g.role,
        compartments: this.compartmentNames(g.compartments),
        since: g.since,
        notAfter: g.notAfter,
        manage: g.certificate !== null,
        person: people.get(toHex(g.deviceKey)) ?? null,
      }));
  }

  /** When each device last connected to the relay (owner devices only may ask). */
  async lastSeen(): Promise<Map<string, number>> {
    if (this.host.role !== 'owner') return new Map();
    return getLastSeen(this.host.relayUrl, this.host.recordId, this.host.device);
  }

  // ------------------------------------------------------------------------------------------
  // Linking another device of the patient's

  /**
   * On an owner device: adds the device that showed `request` and hands it the root. The request
   * must be exactly what that device signed, checked before the manifest changes and again right
   * before the root seed is sealed to its box key (`AlteredCodeError` otherwise).
   */
  async approveLink(request: LinkRequest): Promise<void> {
    if (!this.host.root)
      throw new Error('Only a device that holds the record root can link devices.');
    assertLinkRequestSigned(request);
    const m = addOwnerDevice(
      this.host.currentManifest,
      this.host.root,
      request,
      this.host.epochKeys,
      Date.now(),
    );
    await putManifest(this.host.relayUrl, m);
    await this.host.adoptManifests([m]);
    const payload = new Uint8Array(32 + this.host.recordId.length);
    payload.set(this.host.root.seed, 0);
    payload.set(new TextEncoder().encode(this.host.recordId), 32);
    assertLinkRequestSigned(request);
    await putMailbox(
      this.host.relayUrl,
      request.mailbox,
      seal(request.boxPublic, payload, linkContext(request.mailbox)),
    );
  }

  // ------------------------------------------------------------------------------------------
  // The patient's own devices (issue 14 item 3)

  /** The patient's devices: every owner in the manifest, with the name the record gives it. */
  devices(): DeviceRow[] {
    const names = deviceNames(this.host.entries('clinical', DEVICE_NAME));
    const self = toHex(this.host.device.signPublic);
    return this.host.currentManifest.grantees
      .filter((g) => g.role === 'owner')
      .map((g) => {
        const hex = toHex(g.deviceKey);
        const named = names.get(hex);
        return {
          device: hex,
          name: named?.name ?? null,
          kind: named?.kind ?? null,
          since: g.since,
          self: hex === self,
        };
      });
  }

  /** Names one of the patient's devices (an entry only the patient's devices may write). */
  renameDevice(device: string, name: string, kind: DeviceKind): void {
    if (this.host.role !== 'owner')
      throw new SharingError('Only the patient’s own devices can name them.');
    if (!this.devices().some((d) => d.device === device))
      throw new SharingError('That device is not one of the patient’s devices.');
    this.host.write(DEVICE_NAME, { device, name, kind });
  }

  /**
   * Removes one of the patient's other devices (lost, sold): a revocation, so every compartment
   * gets a new epoch whose keys are sealed only to the devices that stay. This device cannot
   * remove itself (`forgetDevice` does that).
   */
  async removeDevice(device: string): Promise<void> {
    await this.host.refreshManifest();
    const root = this.host.root;
    if (!root) throw new SharingError('Only a device that holds the record root can do this.');
    if (device === toHex(this.host.device.signPublic))
      throw new SharingError('This device cannot remove itself.');
    const leaving = this.host.currentManifest.grantees.find(
      (g) => g.role === 'owner' && toHex(g.deviceKey) === device,
    );
    if (!leaving) throw new SharingError('That device is not one of the patient’s devices.');
    const { manifest } = revokeAccess(
      this.host.currentManifest,
      root,
      [leaving.deviceKey],
      this.host.epochKeys,
      Date.now(),
    );
    await putManifest(this.host.relayUrl, manifest);
    await this.host.adoptManifests([manifest]);
  }
}
