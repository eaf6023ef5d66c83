/**
 * Publishable ingest keys (`pk_…`): what a web page embeds to send events. A key is a random secret that
 * authorises only `POST /api/v1/events` for its org, only from its allowed origins, under a rate bucket of
 * its own. It is shown once, when made; the store keeps its SHA-256.
 *
 * Used by the keys routes, the auth plugin (`KeyResolver`) and `npm run key` alike.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IngestKeyCreated, IngestKeySummary } from '../contract.js';
import { ApiError, type FieldError } from '../lib/errors.js';
import { uuidv7 } from '../lib/ids.js';
import { formatInstant } from '../lib/time.js';
import type { EventStore, IngestKeyMatch, IngestKeyRow } from '../store/types.js';

/** `pk_` and 32 base62 characters: 190 random bits. */
export const KEY_PREFIX = 'pk_';
const KEY_LENGTH = 32;
/** What an `Authorization: Bearer` value must look like to be taken for a publishable key. */
export const KEY_PATTERN = /^pk_[A-Za-z0-9]{32,128}$/;
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Characters after `pk_` shown in lists: enough to tell keys apart, far too few to guess the rest. */
const SHOWN = 6;
export const MAX_ORIGINS = 50;

/** A new key: base62 from the CSPRNG, without modulo bias (bytes of 248 and above are drawn again). */
export function generateKey(): string {
  let out = KEY_PREFIX;
  while (out.length < KEY_PREFIX.length + KEY_LENGTH) {
    for (const byte of randomBytes(KEY_LENGTH)) {
      if (byte < 248 && out.length < KEY_PREFIX.length + KEY_LENGTH) out += BASE62[byte % 62];
    }
  }
  return out;
}

/**
 * The key's SHA-256. A fast, unsalted hash is right here, unlike for passwords: a key carries 190 random
 * bits, so there is no dictionary to try and no brute force that a slow hash would meaningfully delay,
 * while every ingest request must find its key, which an unsalted hash allows through a unique index in
 * one lookup (a salted or deliberately slow hash would cost milliseconds of CPU per request instead).
 */
export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** `pk_AbC123…`: how a key is shown after it was made. */
export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + SHOWN);
}

/**
 * Field errors for `allowed_origins`: each must be an origin as a browser sends it in `Origin` (scheme,
 * host and port only, lowercase, no default port, no path or trailing slash), over http or https.
 */
export function originErrors(origins: readonly string[], path = '/allowed_origins'): FieldError[] {
  const errors: FieldError[] = [];
  if (origins.length > MAX_ORIGINS) {
    errors.push({ path, message: `must list at most ${MAX_ORIGINS} origins` });
  }
  origins.forEach((origin, i) => {
    let ok = false;
    try {
      const url = new URL(origin);
      ok = (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin;
    } catch {
      ok = false;
    }
    if (!ok) {
      errors.push({
        path: `${path}/${i}`,
        message: 'must be an origin as browsers send it, e.g. https://shop.example (no path, lowercase)',
      });
    }
  });
  return errors;
}

export interface NewKeyInput {
  orgId: string;
  name: string;
  allowedOrigins: readonly string[];
  rateLimitPerMinute?: number | undefined;
  now?: number;
}

function summary(row: IngestKeyRow): IngestKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    allowed_origins: row.allowedOrigins,
    rate_limit_per_minute: row.rateLimitPerMinute,
    created_at: formatInstant(row.createdAt),
  };
}

/** Makes a key and stores its hash; the answer is the only time the key itself is seen. 422 on bad origins. */
export async function createIngestKey(
  store: Pick<EventStore, 'createKey'>,
  input: NewKeyInput,
): Promise<IngestKeyCreated> {
  const errors = originErrors(input.allowedOrigins);
  if (errors.length > 0) {
    throw new ApiError('validation_failed', 'Some allowed origins are invalid; see `errors`.', { errors });
  }
  const key = generateKey();
  const now = input.now ?? Date.now();
  const row: IngestKeyRow = {
    orgId: input.orgId,
    id: uuidv7(now),
    name: input.name,
    prefix: keyPrefix(key),
    allowedOrigins: [...new Set(input.allowedOrigins)],
    rateLimitPerMinute: input.rateLimitPerMinute ?? null,
    createdAt: now,
  };
  await store.createKey({ ...row, keyHash: hashKey(key) });
  return { key, ...summary(row) };
}

export async function listIngestKeys(
  store: Pick<EventStore, 'listKeys'>,
  orgId: string,
): Promise<{ data: IngestKeySummary[] }> {
  return { data: (await store.listKeys(orgId)).map(summary) };
}

export interface KeyResolverOptions {
  /** How long an answer (key found, revoked, unknown, origin allowed or not) is reused, ms. Default 5,000. */
  ttlMs?: number;
  /** Most answers kept of each kind; the oldest go first. Default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

interface Cached<T> {
  value: T;
  expires: number;
}

/**
 * Store lookups for authentication and CORS, remembered for at most `ttlMs` (5 s): an SDK sends the same
 * key with every batch, and without the cache each batch would cost a database round trip. Unknown keys
 * and origins are remembered too (bounded), so a flood of made-up keys does not reach the database either.
 *
 * The bound is what makes revocation work across replicas: an answer expires `ttlMs` after its lookup
 * *started*, so once a revocation has committed, every process refuses the key within `ttlMs`. The process
 * that revoked forgets its own answer at once (`forget`).
 */
export class KeyResolver {
  readonly #store: Pick<EventStore, 'findKeyByHash' | 'keyOriginAllowed'>;
  readonly #ttl: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #keys = new Map<string, Cached<IngestKeyMatch | undefined>>();
  readonly #origins = new Map<string, Cached<boolean>>();
  /** Lookups in flight, shared by concurrent requests with the same key or origin. */
  readonly #pending = new Map<string, Promise<unknown>>();
  /** Bumped by `forget`: a lookup that started before is answered but not remembered. */
  #generation = 0;

  constructor(store: Pick<EventStore, 'findKeyByHash' | 'keyOriginAllowed'>, opts: KeyResolverOptions = {}) {
    this.#store = store;
    this.#ttl = opts.ttlMs ?? 5_000;
    this.#max = opts.maxEntries ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** The key's record (revoked or not), or undefined for a key that does not exist. */
  find(key: string): Promise<IngestKeyMatch | undefined> {
    const hash = hashKey(key);
    // The hash, not the key, is the cache's index: a heap dump shows no keys.
    return this.#cached(this.#keys, `k${hash.toString('base64')}`, () => this.#store.findKeyByHash(hash));
  }

  /** Whether some active key accepts `origin` (for CORS preflights of the ingest route). */
  originAllowed(origin: string): Promise<boolean> {
    return this.#cached(this.#origins, `o${origin}`, () => this.#store.keyOriginAllowed(origin));
  }

  /** Drop what this process remembers (after it revoked a key), so it refuses the key at once. */
  forget(): void {
    this.#generation++;
    this.#keys.clear();
    this.#origins.clear();
    this.#pending.clear();
  }

  async #cached<T>(cache: Map<string, Cached<T>>, id: string, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(id);
    const now = this.#now();
    if (hit && hit.expires > now) return hit.value;
    if (hit) cache.delete(id);
    const inflight = this.#pending.get(id) as Promise<T> | undefined;
    if (inflight) return inflight;
    const generation = this.#generation;
    const settle = () => {
      if (this.#pending.get(id) === loading) this.#pending.delete(id);
    };
    const loading: Promise<T> = load().then(
      (value) => {
        settle();
        if (generation === this.#generation) {
          if (cache.size >= this.#max) cache.delete(cache.keys().next().value!);
          cache.set(id, { value, expires: now + this.#ttl });
        }
        return value;
      },
      (err: unknown) => {
        settle();
        throw err;
      },
    );
    this.#pending.set(id, loading);
    return loading;
  }
}

/** The outcome of authenticating with a key: the org, the key and its limit, or the error to answer. */
export function checkKey(match: IngestKeyMatch | undefined, origin: string | undefined): IngestKeyMatch {
  if (!match || match.revoked) {
    throw new ApiError('invalid_token', 'The publishable key is unknown or was revoked.', {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  }
  if (match.allowedOrigins.length > 0 && (origin === undefined || !match.allowedOrigins.includes(origin))) {
    throw new ApiError(
      'origin_not_allowed',
      origin === undefined
        ? 'This publishable key is limited to its allowed origins, and the request has no Origin header.'
        : `This publishable key does not accept requests from ${origin.slice(0, 200)}; add the origin to ` +
            "the key's allowed_origins.",
    );
  }
  return match;
}
