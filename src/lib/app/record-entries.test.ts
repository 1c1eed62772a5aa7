import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed } from '$lib/core/crypto/index';
import { entriesMap, putEntry, newEntryId, type Entry } from '$lib/core/record/index';
import type { Role } from '$lib/core/sync/index';
import { readEntries, writeEntry, type EntryContext } from './record-entries';
import { SharingError, type OpenCompartment } from './session-types';

/** The one writer and the reader over the registry, on real inner docs (no relay needed). */

const me = deviceKeysFromSeed(newSeed());

function context(role: Role | undefined): { ctx: EntryContext; clinical: Y.Doc; messages: Y.Doc } {
  const clinical = new Y.Doc();
  const messages = new Y.Doc();
  // Only `inner` is used by the writer and the reader.
  const open = (name: string, inner: Y.Doc) =>
    ({ name, docId: name, inner }) as unknown as OpenCompartment;
  const compartments = new Map([
    ['clinical', open('clinical', clinical)],
    ['messages', open('messages', messages)],
  ]);
  return { ctx: { compartments, role, deviceId: me.deviceId }, clinical, messages };
}

describe('writeEntry', () => {
  it('writes into the type’s compartment, with the spec’s version and the writer’s role', () => {
    const { ctx, clinical, messages } = context('delegate');
    const e = writeEntry(ctx, 'pain-checkin', { scores: { back: 3 } });
    expect(e).toMatchObject({ type: 'pain-checkin', v: 1, author: { role: 'delegate' } });
    writeEntry(ctx, 'message', { text: 'Is Friday fine?' });
    expect(entriesMap(clinical).size).toBe(1);
    expect(entriesMap(messages).size).toBe(1);
    expect(readEntries(ctx.compartments, 'messages')[0]?.data).toEqual({ text: 'Is Friday fine?' });
  });

  it('refuses a role the type does not allow, and malformed data; nothing is written', () => {
    const pro = context('professional');
    expect(() => writeEntry(pro.ctx, 'pain-checkin', { scores: { back: 3 } })).toThrow(
      SharingError,
    );
    expect(() => writeEntry(context('viewer').ctx, 'note', { text: 'hi' })).toThrow(SharingError);
    expect(() => writeEntry(context(undefined).ctx, 'note', { text: 'hi' })).toThrow(SharingError);
    const own = context('owner');
    expect(() => writeEntry(own.ctx, 'pain-checkin', { scores: { back: 12 } })).toThrow(RangeError);
    expect(() => writeEntry(own.ctx, 'note', { text: 'x'.repeat(4001) })).toThrow(RangeError);
    expect(() => writeEntry(own.ctx, 'questionnaire', { instrument: 'odi', answers: [9] })).toThrow(
      /cannot be scored/,
    );
    expect(entriesMap(pro.clinical).size + entriesMap(own.clinical).size).toBe(0);
  });

  it('reads back only well-formed entries of the compartment', () => {
    const { ctx, clinical } = context('owner');
    writeEntry(ctx, 'note', { text: 'fine' });
    const junk: Entry = {
      id: newEntryId(me.deviceId),
      type: 'note',
      at: new Date().toISOString(),
      author: { deviceId: me.deviceId, role: 'owner' },
      data: { text: 5 },
      v: 1,
    };
    putEntry(clinical, junk);
    putEntry(clinical, {
      ...junk,
      id: newEntryId(me.deviceId),
      type: 'message',
      data: { text: 'x' },
    });
    expect(readEntries(ctx.compartments, 'clinical').map((e) => e.data)).toEqual([
      { text: 'fine' },
    ]);
  });
});
