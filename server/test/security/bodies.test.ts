/**
 * Request bodies: compressed ones are decoded (with the body limit applied to what they inflate to), a
 * body that does not decode as it says, or says an encoding the server does not know, is refused by name,
 * and numbers JSON.parse can only read as ±Infinity are refused instead of being stored as null.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, makeEvents, orgId, stores, type TestApp } from '../helpers.js';

describe('POST /api/v1/events bodies', () => {
  let t: TestApp;
  let token: string;
  const org = orgId('bodies');
  beforeAll(async () => {
    t = await createTestApp(stores[0]!);
    token = await t.token({ org });
  });
  afterAll(() => t.close());

  const post = (payload: string | Buffer, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(token), 'content-type': 'application/json', ...headers },
      payload,
    });

  describe('Content-Encoding', () => {
    const encoders: Record<string, (b: Buffer) => Buffer> = {
      gzip: (b) => gzipSync(b),
      deflate: (b) => deflateSync(b),
      br: (b) => brotliCompressSync(b),
    };

    for (const [name, encode] of Object.entries(encoders)) {
      it(`decodes ${name}`, async () => {
        const events = makeEvents(3);
        const res = await post(encode(Buffer.from(JSON.stringify({ events }))), { 'content-encoding': name });
        expect(res.statusCode, res.body).toBe(202);
        expect(res.json().event_ids).toEqual(events.map((e) => e.event_id));
      });

      it(`answers 413 when ${name} inflates past the body limit, without inflating it all`, async () => {
        // 64 MiB of spaces inside a valid document: a few kilobytes compressed.
        const bomb = encode(
          Buffer.concat([Buffer.from('{"events":'), Buffer.alloc(64 * 1024 * 1024, 32), Buffer.from('[]}')]),
        );
        expect(bomb.length).toBeLessThan(200_000);
        const started = performance.now();
        const res = await post(bomb, { 'content-encoding': name });
        expect(res.statusCode).toBe(413);
        expect(res.json()).toMatchObject({ code: 'payload_too_large' });
        expect(performance.now() - started).toBeLessThan(2000);
      });

      it(`answers 400 naming ${name} when the body is not ${name} data`, async () => {
        const res = await post(JSON.stringify({ events: makeEvents(1) }), { 'content-encoding': name });
        expect(res.statusCode).toBe(400);
        expect(res.json().code).toBe('bad_request');
        expect(res.json().detail).toContain(name);
      });
    }

    it('takes identity as no encoding, and names an unknown encoding in a 415', async () => {
      expect(
        (await post(JSON.stringify({ events: makeEvents(1) }), { 'content-encoding': 'identity' }))
          .statusCode,
      ).toBe(202);
      for (const encoding of ['compress', 'zstd', 'gzip, br']) {
        const res = await post(gzipSync(JSON.stringify({ events: makeEvents(1) })), {
          'content-encoding': encoding,
        });
        expect(res.statusCode, encoding).toBe(415);
        expect(res.json().code).toBe('unsupported_media_type');
        expect(res.json().detail).toContain(encoding);
      }
    });

    it('replays an idempotent compressed batch like the plain one', async () => {
      const body = gzipSync(JSON.stringify({ events: makeEvents(2) }));
      const headers = { 'content-encoding': 'gzip', 'idempotency-key': `gz-${org}` };
      const first = await post(body, headers);
      const again = await post(body, headers);
      expect(first.statusCode).toBe(202);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toBe(first.body);
    });
  });

  describe('numbers', () => {
    it('refuses numbers that are not finite doubles, naming each one', async () => {
      const [a, b] = makeEvents(2);
      const body =
        `{"events":[${JSON.stringify(a)}` +
        ',{"event_type":"n","properties":{"big":1e400,"list":[1,-2.5E+999],"ok":1e308,"tiny":1e-400}}' +
        `,{"event_type":"n","properties":{"deep":{"a/b":{"c~d":${'9'.repeat(400)}}}}}` +
        `,${JSON.stringify(b)}]}`;
      const res = await post(body);
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('validation_failed');
      expect(res.json().errors).toEqual([
        { path: '/events/1/properties/big', message: 'must be a finite number' },
        { path: '/events/1/properties/list/1', message: 'must be a finite number' },
        { path: '/events/2/properties/deep/a~1b/c~0d', message: 'must be a finite number' },
      ]);
    });

    it('refuses them in context too', async () => {
      const res = await post('{"events":[{"event_type":"n","context":{"screen":{"dpr":1e999}}}]}');
      expect(res.statusCode).toBe(422);
      expect(res.json().errors).toEqual([
        { path: '/events/0/context/screen/dpr', message: 'must be a finite number' },
      ]);
    });

    it('stores large finite numbers as they were', async () => {
      const [e] = makeEvents(1);
      const res = await post(
        JSON.stringify({ events: [{ ...e, properties: { max: 1.7976931348623157e308, min: -5e-324 } }] }),
      );
      expect(res.statusCode).toBe(202);
    });
  });
});
