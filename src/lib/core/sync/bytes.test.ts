import { describe, expect, it } from 'vitest';
import { base32, fromBase32 } from './bytes';

describe('bytes', () => {
  it('round-trips base32', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      expect(fromBase32(base32(bytes))).toEqual(bytes);
    }
    expect(fromBase32('0')).toBeNull();
  });
});
