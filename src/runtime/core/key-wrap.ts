/**
 * Data keys wrapped by the key-encryption key (AES-256-GCM), bound to their subject: a wrapped key
 * copied to another subject does not unwrap. The format every key store keeps.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export function wrapKey(kek: Uint8Array, subject: string, key: Uint8Array): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(`gw-dek-v1:${subject}`, 'utf8'));
  const body = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Throws when the KEK is not the one that wrapped the key (or the bytes were altered). */
export function unwrapKey(kek: Uint8Array, subject: string, wrapped: Uint8Array): Buffer {
  const bytes = Buffer.from(wrapped);
  const decipher = createDecipheriv('aes-256-gcm', kek, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(`gw-dek-v1:${subject}`, 'utf8'));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
}

/** A secret for another purpose, derived from the KEK. */
export function deriveKey(kek: Uint8Array, purpose: string): Buffer {
  return createHmac('sha256', kek).update(`gw-derive-v1:${purpose}`).digest();
}
