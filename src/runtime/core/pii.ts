/**
 * Crypto-shredding. Fields marked `pii` are encrypted with AES-256-GCM under a data key of their
 * subject; the associated data binds each ciphertext to its stream, version, event type, field and
 * subject, so it cannot be moved elsewhere. Data keys are wrapped by a key-encryption key (KEK)
 * from the environment and stored apart from the events; `forget` destroys the subject's key, and
 * every read of its fields then returns ERASED. Pure apart from the key store port.
 */
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import type { KeyStore } from '../ports/key-store.js';
import { DecryptionError } from './errors.js';

export interface Erased {
  readonly erased: true;
}

/** What a read of an erased field returns. */
export const ERASED: Erased = Object.freeze({ erased: true });

export function isErased(value: unknown): value is Erased {
  return (
    value === ERASED || (typeof value === 'object' && value !== null && (value as { erased?: unknown }).erased === true && Object.keys(value).length === 1)
  );
}

const PREFIX = 'gw:pii:v1:';

/** Where a pii value sits: what its ciphertext is bound to. */
export interface PiiLocation {
  readonly subject: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly field: string;
}

function aad(at: PiiLocation): Buffer {
  return Buffer.from(JSON.stringify(['gw-pii-v1', at.subject, at.streamId, at.version, at.type, at.field]), 'utf8');
}

const IV_BYTES = 12;
const ivPool = Buffer.alloc(IV_BYTES * 512);
let ivNext = ivPool.length;

/** A fresh random 96-bit GCM nonce, cut from a pool refilled from the CSPRNG (one call per 512). */
function randomIv(): Buffer {
  if (ivNext === ivPool.length) {
    randomFillSync(ivPool);
    ivNext = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivNext, ivNext + IV_BYTES));
  ivNext += IV_BYTES;
  return iv;
}

export function encryptValue(key: Uint8Array, value: unknown, at: PiiLocation): string {
  const iv = randomIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(at));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Throws a DecryptionError when the ciphertext was altered or moved to another event, field or subject. */
export function decryptValue(key: Uint8Array, text: string, at: PiiLocation): unknown {
  try {
    if (!text.startsWith(PREFIX)) throw new Error('not a pii ciphertext');
    const raw = Buffer.from(text.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(aad(at));
    decipher.setAuthTag(raw.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    return JSON.parse(plain) as unknown;
  } catch {
    throw new DecryptionError(at);
  }
}

export function isCiphertext(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/** Which top-level fields of each event type are personal data (generated from the spec). */
export type PiiFields = Readonly<Record<string, readonly string[]>>;

/**
 * Encrypts and decrypts the pii fields of events. A field holding a named type or a list is
 * encrypted whole. Without a key store, events with pii fields cannot be written.
 */
export class PiiCodec {
  readonly #keys: KeyStore | undefined;

  constructor(keys: KeyStore | undefined) {
    this.#keys = keys;
  }

  get keys(): KeyStore | undefined {
    return this.#keys;
  }

  async encrypt(fields: readonly string[] | undefined, data: object, at: Omit<PiiLocation, 'field'>): Promise<object> {
    if (fields === undefined || fields.length === 0) return data;
    if (this.#keys === undefined) throw new Error('this event has pii fields but no key store is configured: set GROUNDWORK_KEK (32 bytes, base64)');
    const key = await this.#keys.getOrCreate(at.subject);
    const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
    for (const field of fields) {
      if (out[field] !== undefined) out[field] = encryptValue(key, out[field], { ...at, field });
    }
    return out;
  }

  /** The subject's data key, or undefined where it was destroyed (its fields read as ERASED). */
  async key(subject: string): Promise<Uint8Array | undefined> {
    return this.#keys?.get(subject);
  }
}

/** The fields decrypted with `key`, or ERASED when there is no key. */
export function decryptFields(key: Uint8Array | undefined, fields: readonly string[], data: object, at: Omit<PiiLocation, 'field'>): object {
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const field of fields) {
    const value = out[field];
    if (!isCiphertext(value)) continue;
    out[field] = key === undefined ? ERASED : decryptValue(key, value, { ...at, field });
  }
  return out;
}
