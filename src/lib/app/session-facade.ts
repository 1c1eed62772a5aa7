import type { ContactCard, Invite, InviteAnswer, LinkRequest } from '$lib/core/sharing/index';
import type { AccessEvent, Compartment, DeviceKind, Entry } from '$lib/core/record/index';
import type { LocalStore } from './local-store';
import type { RecordSharing } from './record-sharing';
import type { AccessRow, DeviceRow, GrantScope } from './session-types';

/**
 * The part of `RecordSession`'s API that passes straight on to its sharing part
 * (`record-sharing.ts`) and its device-local encrypted store (`local-store.ts`), so that callers
 * keep one object and `record-session.ts` keeps the wiring.
 */
export abstract class SessionFacade {
  /** The device-local encrypted store: checkpoints, drafts, read markers. */
  abstract readonly local: LocalStore;
  /** Invites, grants, revocation, the access list and device linking. */
  abstract readonly sharing: RecordSharing;

  get canManageSharing(): boolean {
    return this.sharing.canManageSharing;
  }

  createInvite(): { invite: Invite; code: string } {
    return this.sharing.createInvite();
  }

  takeInviteAnswer(invite: Invite): Promise<InviteAnswer | null> {
    return this.sharing.takeInviteAnswer(invite);
  }

  grant(person: InviteAnswer | ContactCard, scope: GrantScope, contact?: ContactCard) {
    return this.sharing.grant(person, scope, contact);
  }

  revoke(devices: readonly string[] | 'expired'): Promise<number> {
    return this.sharing.revoke(devices);
  }

  changeParts(device: string, parts: readonly Compartment[]): Promise<void> {
    return this.sharing.changeParts(device, parts);
  }

  accessEvents(): Entry<AccessEvent>[] {
    return this.sharing.accessEvents();
  }

  accessList(): AccessRow[] {
    return this.sharing.accessList();
  }

  lastSeen(): Promise<Map<string, number>> {
    return this.sharing.lastSeen();
  }

  approveLink(request: LinkRequest): Promise<void> {
    return this.sharing.approveLink(request);
  }

  devices(): DeviceRow[] {
    return this.sharing.devices();
  }

  renameDevice(device: string, name: string, kind: DeviceKind): void {
    this.sharing.renameDevice(device, name, kind);
  }

  removeDevice(device: string): Promise<void> {
    return this.sharing.removeDevice(device);
  }

  saveLocalBytes(key: string, bytes: Uint8Array): Promise<void> {
    return this.local.saveLocalBytes(key, bytes);
  }

  loadLocalBytes(key: string): Promise<Uint8Array | undefined> {
    return this.local.loadLocalBytes(key);
  }

  saveLocal(key: string, value: unknown): Promise<void> {
    return this.local.saveLocal(key, value);
  }

  loadLocal(key: string): Promise<unknown> {
    return this.local.loadLocal(key);
  }

  clearLocal(key: string): Promise<void> {
    return this.local.clearLocal(key);
  }
}
