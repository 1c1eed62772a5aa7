/**
 * Branded identifiers: a RecordId cannot be passed where a DocId is wanted, although both are
 * strings on the wire.
 */
export type RecordId = string & { readonly __brand: 'RecordId' };
export type DocId = string & { readonly __brand: 'DocId' };
/** Hex of a device's Ed25519 public key. */
export type DeviceId = string & { readonly __brand: 'DeviceId' };
export type GrantId = string & { readonly __brand: 'GrantId' };
/** A sortable unique entry id: time first, then randomness. */
export type EntryId = string & { readonly __brand: 'EntryId' };

export const asRecordId = (s: string): RecordId => s as RecordId;
export const asDocId = (s: string): DocId => s as DocId;
export const asDeviceId = (s: string): DeviceId => s as DeviceId;
