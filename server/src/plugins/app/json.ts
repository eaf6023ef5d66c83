import { Transform, type TransformCallback } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../../lib/errors.js';
import { hasNonFinite, nonFinitePaths } from '../../lib/finite.js';

const RAW = Symbol('rawBody');
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;
type WithRaw = FastifyRequest & { [RAW]?: string };

/** The request body exactly as received (idempotency compares bodies byte for byte). */
export function rawBody(request: FastifyRequest): string {
  return (request as WithRaw)[RAW] ?? '';
}

/** The `Content-Encoding`s a body may have; `identity` (or none) leaves it as sent. */
const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** The stream Fastify reads a body from; `receivedEncodedLength` is what it checks `Content-Length` against. */
type Payload = NodeJS.ReadableStream & { receivedEncodedLength?: number };

/**
 * A compressed body decoded on its way to the parser. The body limit applies to the decoded bytes (Fastify
 * counts them) and the decoder is destroyed the moment they pass it, so a small bomb never inflates
 * further; `Content-Length` is compared with the bytes as sent.
 */
function decode(raw: Payload, encoding: string, make: () => Transform, limit: number): Payload {
  const decoder = make();
  let decoded = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      decoded += chunk.length;
      if (decoded > limit) {
        callback(new ApiError('payload_too_large', `The request body inflates to more than ${limit} bytes.`));
        return;
      }
      callback(null, chunk);
    },
  }) as Transform & { receivedEncodedLength: number };
  counted.receivedEncodedLength = 0;
  raw.on('data', (chunk: Buffer) => {
    counted.receivedEncodedLength += chunk.length;
  });
  const fail = (err: Error) => {
    counted.destroy(
      err instanceof ApiError
        ? err
        : new ApiError(
            'bad_request',
            `The body is not valid ${encoding} data (Content-Encoding: ${encoding}).`,
          ),
    );
  };
  decoder.on('error', fail);
  counted.on('error', () => {
    decoder.destroy();
    raw.unpipe(decoder);
  });
  raw.pipe(decoder).pipe(counted);
  return counted;
}

/**
 * The JSON body parser. It keeps the raw text for idempotency hashing and parses with plain `JSON.parse`:
 * Fastify's default additionally scans every body for `__proto__`/`constructor` keys, which cost about a
 * quarter of the CPU time of a 100-event ingest. That scan protects code that merges parsed objects into
 * others; this API never does (properties are stored as text, and `JSON.parse` itself only ever creates
 * own properties), so the scan buys nothing here.
 */
export default fp(
  async (app) => {
    // After the onRequest hooks: a body is decoded only for a caller already authenticated and counted.
    app.addHook('preParsing', async (request, _reply, payload) => {
      const header = request.headers['content-encoding']?.trim().toLowerCase();
      if (!header || header === 'identity') return payload;
      const length = request.headers['content-length'];
      if (request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) {
        return payload; // no body to decode
      }
      const make = DECODERS[header];
      if (!make) {
        throw new ApiError(
          'unsupported_media_type',
          `Content-Encoding "${header}" is not supported; send the body as is, or with gzip, deflate or br.`,
        );
      }
      const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit;
      return decode(payload, header, make, limit);
    });

    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      // The body is read as UTF-8 (RFC 8259 allows no other encoding between systems): any other declared
      // charset would be decoded into other text than the client meant, so it is refused, not guessed.
      const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        done(
          new ApiError(
            'unsupported_media_type',
            `The body must be JSON in UTF-8; charset=${charset} is not supported.`,
          ),
          undefined,
        );
        return;
      }
      (request as WithRaw)[RAW] = body as string;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body as string);
      } catch {
        const err = new Error('The body is not valid JSON.') as Error & { statusCode: number; code: string };
        err.statusCode = 400;
        err.code = 'FST_ERR_CTP_INVALID_JSON_BODY';
        done(err, undefined);
        return;
      }
      if (hasNonFinite(parsed)) {
        const errors = nonFinitePaths(parsed).map((path) => ({ path, message: 'must be a finite number' }));
        done(
          new ApiError(
            'validation_failed',
            'Some numbers are too large for a double (JSON.parse would read them as Infinity); see `errors`.',
            { errors },
          ),
          undefined,
        );
        return;
      }
      done(null, parsed);
    });
  },
  { name: 'json' },
);
