import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { documentName, parseDocumentName, recordIdForRootKey } from './names';
import { isProtocolError } from './protocol-error';

const root = ed25519.keygen();
const recordId = recordIdForRootKey(root.publicKey);

describe('names and ids', () => {
  it('parses document names and rejects unsafe ones', () => {
    expect(parseDocumentName(documentName(recordId, 'clinical'))).toEqual({
      recordId,
      docId: 'clinical',
    });
    for (const bad of ['', 'a', 'a:b:c', 'A:b', '../x:y', 'x:y z', `${recordId}:`]) {
      expect(isProtocolError(parseDocumentName(bad)), bad).toBe(true);
    }
  });
});
