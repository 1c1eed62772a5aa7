import { describe, expect, it } from 'vitest';
import type { Authorizer, Grant } from './auth';
import { closeReason } from './notify';

const grant: Grant = {
  recordId: 'r',
  docId: 'clinical',
  deviceKey: new Uint8Array(32),
  role: 'viewer',
  readOnly: true,
  notAfter: null,
};

function authorizer(holds: boolean | undefined): Authorizer {
  return {
    authenticate: () => Promise.reject(new Error('unused')),
    recheck: () => null,
    isWriter: () => false,
    ...(holds === undefined ? {} : { holdsGrant: () => holds }),
  };
}

describe('closeReason', () => {
  it('says grant-changed while the device still holds a grant, grant-ended otherwise', () => {
    expect(closeReason(authorizer(true), grant)).toBe('grant-changed');
    expect(closeReason(authorizer(false), grant)).toBe('grant-ended');
    expect(closeReason(authorizer(undefined), grant)).toBe('grant-ended');
  });
});
