import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { decrypt, encrypt, NONCE_BYTES } from './aead';

const EPHEMERAL_BYTES = 32;

function sealKey(
  shared: Uint8Array,
  ephemeral: Uint8Array,
  recipient: Uint8Array,
  context: string,
) {
  return hkdf(
    sha256,
    shared,
    concatBytes(ephemeral, recipient),
    utf8ToBytes(`backpack/seal/1/${context}`),
    32,
  );
}

/**
 * Seals bytes to a recipient's X25519 key (anonymous sender): ephemeral X25519, HKDF-SHA256,
 * XChaCha20-Poly1305. `context` (e.g. `epoch-key:doc:3`) is bound in the key derivation, so a
 * sealed box cannot be replayed in another place. Output: ephemeral ‖ nonce ‖ ciphertext.
 */
export function seal(recipient: Uint8Array, plaintext: Uint8Array, context: string): Uint8Array {
  const ephemeralSecret = x25519.utils.randomSecretKey();
  const ephemeral = x25519.getPublicKey(ephemeralSecret);
  const key = sealKey(
    x25519.getSharedSecret(ephemeralSecret, recipient),
    ephemeral,
    recipient,
    context,
  );
  const { nonce, ciphertext } = encrypt(key, plaintext, utf8ToBytes(context));
  return concatBytes(ephemeral, nonce, ciphertext);
}

/** Opens a sealed box, or returns `null` if it was not sealed to this key in this context. */
export function openSealed(
  recipientSecret: Uint8Array,
  sealed: Uint8Array,
  context: string,
): Uint8Array | null {
  if (sealed.length < EPHEMERAL_BYTES + NONCE_BYTES + 16) return null;
  const ephemeral = sealed.subarray(0, EPHEMERAL_BYTES);
  const nonce = sealed.subarray(EPHEMERAL_BYTES, EPHEMERAL_BYTES + NONCE_BYTES);
  const ciphertext = sealed.subarray(EPHEMERAL_BYTES + NONCE_BYTES);
  try {
    const recipient = x25519.getPublicKey(recipientSecret);
    const shared = x25519.getSharedSecret(recipientSecret, ephemeral);
    return decrypt(
      sealKey(shared, ephemeral, recipient, context),
      nonce,
      ciphertext,
      utf8ToBytes(context),
    );
  } catch {
    return null;
  }
}
