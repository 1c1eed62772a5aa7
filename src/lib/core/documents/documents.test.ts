import { describe, expect, it } from 'vitest';
import { randomBytes } from '../crypto/random';
import {
  DOCUMENT_CHUNK_BYTES,
  DOCUMENT_HEADER_BYTES,
  DOCUMENT_TAG_BYTES,
  documentBlobBytes,
} from '../sync/protocol';
import type { Entry } from '../record/entries';
import {
  currentDocuments,
  decryptDocumentBlob,
  DocumentCryptoError,
  DocumentError,
  encryptDocumentBlob,
  isDocumentData,
  newBlobId,
  openDocument,
  sealDocument,
  sniffMediaType,
  type DocumentData,
} from './index';

const SEALED = DOCUMENT_CHUNK_BYTES + DOCUMENT_TAG_BYTES;
const key = randomBytes(32);
/** Pseudo-random filler (randomBytes serves at most 64 KiB at once). */
function filler(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 0x12345678;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}
const blobId = newBlobId();
/** 3.5 chunks of a "PDF" with a marker in every chunk. */
const pdf = (() => {
  const bytes = filler(DOCUMENT_CHUNK_BYTES * 3 + DOCUMENT_CHUNK_BYTES / 2);
  bytes.set(new TextEncoder().encode('%PDF-1.4\n'), 0);
  return bytes;
})();

const chunkAt = (blob: Uint8Array, i: number) =>
  blob.subarray(DOCUMENT_HEADER_BYTES + i * SEALED, DOCUMENT_HEADER_BYTES + (i + 1) * SEALED);

describe('document blob encryption (chunked XChaCha20-Poly1305)', () => {
  it('round trips files of 1 byte, exactly one chunk, several chunks and a partial last chunk', () => {
    for (const size of [1, DOCUMENT_CHUNK_BYTES, DOCUMENT_CHUNK_BYTES * 2, pdf.length]) {
      const plain = size === pdf.length ? pdf : filler(size);
      const blob = encryptDocumentBlob(plain, key, blobId);
      expect(blob.length).toBe(documentBlobBytes(size));
      expect(decryptDocumentBlob(blob, key, blobId)).toEqual(plain);
    }
  });

  it('refuses a blob with any one chunk changed', () => {
    const blob = encryptDocumentBlob(pdf, key, blobId);
    for (let i = 0; i < 4; i++) {
      const bad = blob.slice();
      bad[DOCUMENT_HEADER_BYTES + i * SEALED + 100] ^= 1;
      expect(() => decryptDocumentBlob(bad, key, blobId), `chunk ${i}`).toThrow(
        DocumentCryptoError,
      );
    }
    const header = blob.slice();
    header[5] ^= 1;
    expect(() => decryptDocumentBlob(header, key, blobId)).toThrow(DocumentCryptoError);
  });

  it('refuses a blob cut at a chunk boundary, cut inside a chunk, or extended', () => {
    const blob = encryptDocumentBlob(pdf, key, blobId);
    for (const cut of [1, 2, 3]) {
      const truncated = blob.subarray(0, DOCUMENT_HEADER_BYTES + cut * SEALED);
      expect(() => decryptDocumentBlob(truncated, key, blobId), `${cut} chunks`).toThrow(
        /cut, extended or changed/,
      );
    }
    expect(() => decryptDocumentBlob(blob.subarray(0, blob.length - 10), key, blobId)).toThrow(
      DocumentCryptoError,
    );
    const longer = new Uint8Array(blob.length + 1);
    longer.set(blob);
    expect(() => decryptDocumentBlob(longer, key, blobId)).toThrow(DocumentCryptoError);
    // A final chunk appended again after the real one.
    const twice = new Uint8Array(blob.length + SEALED);
    twice.set(blob);
    twice.set(chunkAt(blob, 1), blob.length);
    expect(() => decryptDocumentBlob(twice, key, blobId)).toThrow(DocumentCryptoError);
  });

  it('refuses reordered chunks', () => {
    const blob = encryptDocumentBlob(pdf, key, blobId);
    const swapped = blob.slice();
    swapped.set(chunkAt(blob, 1), DOCUMENT_HEADER_BYTES);
    swapped.set(chunkAt(blob, 0), DOCUMENT_HEADER_BYTES + SEALED);
    expect(() => decryptDocumentBlob(swapped, key, blobId)).toThrow(/changed or reordered/);
  });

  it('refuses the wrong key, another blob id, and a chunk taken from another blob', () => {
    const blob = encryptDocumentBlob(pdf, key, blobId);
    expect(() => decryptDocumentBlob(blob, randomBytes(32), blobId)).toThrow(DocumentCryptoError);
    expect(() => decryptDocumentBlob(blob, key, newBlobId())).toThrow(DocumentCryptoError);
    const other = encryptDocumentBlob(pdf, key, newBlobId(), blob.subarray(1, 20));
    const mixed = blob.slice();
    mixed.set(chunkAt(other, 0), DOCUMENT_HEADER_BYTES);
    expect(() => decryptDocumentBlob(mixed, key, blobId)).toThrow(DocumentCryptoError);
  });
});

describe('sealDocument and openDocument', () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);
  const webp = new TextEncoder().encode('RIFF\x10\0\0\0WEBPVP8 ');

  it('recognises PDF, JPEG, PNG and WebP by their first bytes, nothing else', () => {
    expect(sniffMediaType(pdf)).toBe('application/pdf');
    expect(sniffMediaType(png)).toBe('image/png');
    expect(sniffMediaType(jpeg)).toBe('image/jpeg');
    expect(sniffMediaType(webp)).toBe('image/webp');
    for (const bad of ['<html>', 'GIF89a', '<svg xmlns=', 'RIFF\0\0\0\0WAVE', '']) {
      expect(sniffMediaType(new TextEncoder().encode(bad)), bad).toBeNull();
    }
  });

  it('seals a file into a valid entry and a blob that opens to the same bytes', () => {
    const { data, blob } = sealDocument(pdf, {
      fileName: 'C:\\letters\\discharge.pdf',
      title: ' Discharge letter ',
    });
    expect(isDocumentData(data)).toBe(true);
    expect(data).toMatchObject({
      mediaType: 'application/pdf',
      fileName: 'discharge.pdf',
      title: 'Discharge letter',
      size: pdf.length,
    });
    expect(openDocument(data, blob)).toEqual(pdf);
  });

  it('refuses a wrong media type, an empty or oversize file and a missing title', () => {
    const html = new TextEncoder().encode('<html><script>alert(1)</script>');
    const cases: Array<[Uint8Array, string, number | undefined, string]> = [
      [html, 'Letter', undefined, 'media-type'],
      [new Uint8Array(0), 'Letter', undefined, 'empty'],
      [pdf, 'Letter', 1000, 'too-large'],
      [pdf, '   ', undefined, 'title'],
    ];
    for (const [file, title, maxBytes, code] of cases) {
      const run = () =>
        sealDocument(file, { fileName: 'x.pdf', title, ...(maxBytes ? { maxBytes } : {}) });
      expect(run).toThrow(DocumentError);
      try {
        run();
      } catch (e) {
        expect((e as DocumentError).code).toBe(code);
      }
    }
  });

  it('refuses a blob that opens but is not the file the entry describes', () => {
    const a = sealDocument(pdf, { fileName: 'a.pdf', title: 'A' });
    const b = sealDocument(png, { fileName: 'b.png', title: 'B' });
    // The right key and id, but the entry claims another hash.
    expect(() => openDocument({ ...a.data, sha256: b.data.sha256 }, a.blob)).toThrow(
      /does not match/,
    );
    expect(() => openDocument({ ...a.data, size: a.data.size - 1 }, a.blob)).toThrow(
      /does not match/,
    );
    expect(() => openDocument(a.data, b.blob)).toThrow(DocumentError);
    expect(() => openDocument({ ...a.data, key: b.data.key }, a.blob)).toThrow(DocumentError);
  });
});

describe('document removal', () => {
  const entry = (
    id: string,
    type: string,
    data: unknown,
    deviceId: string,
    role: 'owner' | 'professional' | 'delegate',
  ): Entry =>
    ({ id, type, at: '2026-03-01T09:00:00.000Z', author: { deviceId, role }, data, v: 1 }) as Entry;
  const { data } = sealDocument(pdf, { fileName: 'a.pdf', title: 'A' });
  const physio = 'p'.repeat(64);
  const sister = 's'.repeat(64);
  const doc = entry('doc1', 'document', data, physio, 'professional');
  const removal = (
    deviceId: string,
    role: 'owner' | 'professional' | 'delegate',
    d: Partial<{ document: string; blobId: string }> = {},
  ) =>
    entry(
      `r${deviceId.slice(0, 3)}`,
      'document-removed',
      { document: 'doc1', blobId: data.blobId, ...d },
      deviceId,
      role,
    );

  it('a document is taken back by its author or an owner, never by another grantee', () => {
    expect(currentDocuments([doc])).toHaveLength(1);
    expect(currentDocuments([doc, removal(sister, 'delegate')])).toHaveLength(1);
    expect(currentDocuments([doc, removal('q'.repeat(64), 'professional')])).toHaveLength(1);
    expect(
      currentDocuments([doc, removal(physio, 'professional', { blobId: newBlobId() })]),
    ).toHaveLength(1);
    expect(currentDocuments([doc, removal(physio, 'professional')])).toHaveLength(0);
    expect(currentDocuments([doc, removal('o'.repeat(64), 'owner')])).toHaveLength(0);
  });

  it('skips malformed document entries', () => {
    const bad = entry(
      'doc2',
      'document',
      { ...data, mediaType: 'text/html' },
      physio,
      'professional',
    );
    expect(currentDocuments([bad]) as Entry<DocumentData>[]).toEqual([]);
  });
});
