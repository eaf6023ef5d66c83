import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../plugins/app/errors.js';
import { problemResponse } from '../schemas/common.js';

/** The files of the widgets build that pages load from the API's origin, and their media types. */
const FILES: Record<string, string> = {
  'analytics.js': 'text/javascript; charset=utf-8',
  'analytics.esm.js': 'text/javascript; charset=utf-8',
  'analytics.js.map': 'application/json; charset=utf-8',
};

/** Each file's `operationId` in the OpenAPI document. */
const OPERATION_IDS: Record<string, string> = {
  'analytics.js': 'getSdkScript',
  'analytics.esm.js': 'getSdkModule',
  'analytics.js.map': 'getSdkSourceMap',
};

// The path is not versioned, so a release must reach browsers within minutes; revalidating with the ETag
// is cheap, and stale-while-revalidate keeps pages fast while it happens.
const CACHE_CONTROL = 'public, max-age=300, stale-while-revalidate=86400';

interface Cached {
  mtimeMs: number;
  size: number;
  body: Buffer;
  etag: string;
}

/** Whether an `If-None-Match` value matches (weak comparison, as RFC 9110 prescribes for this header). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === opaque);
}

/**
 * `GET /sdk/analytics.js` (the script-tag bundle), `/sdk/analytics.esm.js` and the source map, read from
 * `config.sdkDir` (`ANALYTICS_SDK_DIR`; unset, every file is a 404 problem that says so). Each file is read
 * once and kept while its size and modification time hold, so a rebuild is served without a restart. The
 * ETag is a hash of the bytes (strong: equal tags mean equal bytes, which is what Subresource Integrity
 * checks too).
 */
const sdk: FastifyPluginAsyncTypebox = async (app) => {
  const dir = app.config.sdkDir;
  const cache = new Map<string, Cached>();

  async function load(dir: string, name: string): Promise<Cached | undefined> {
    const path = join(dir, name);
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(path);
    } catch {
      return undefined;
    }
    if (!st.isFile()) return undefined;
    const hit = cache.get(name);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch {
      return undefined; // removed between stat and read: as if never built
    }
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    const entry = { mtimeMs: st.mtimeMs, size: st.size, body, etag };
    cache.set(name, entry);
    return entry;
  }

  for (const [name, type] of Object.entries(FILES)) {
    app.get(
      `/sdk/${name}`,
      {
        schema: {
          tags: ['sdk'],
          operationId: OPERATION_IDS[name],
          summary: `The widgets bundle: ${name}`,
          description:
            'Static file from the widgets build (`npm run build`). Cached 5 minutes, then revalidated with ' +
            'the strong `ETag` (`If-None-Match` → 304). Served with `Access-Control-Allow-Origin: *` and ' +
            '`Cross-Origin-Resource-Policy: cross-origin`, so a script tag with `integrity` and ' +
            '`crossorigin="anonymous"` loads it from any page.',
          response: {
            200: {
              description: name.endsWith('.map') ? 'The source map' : 'The JavaScript bundle',
              content: {
                // The source map is a JSON object (revision 3); the bundles are script text.
                [type.split(';')[0]!]: {
                  schema: name.endsWith('.map') ? { type: 'object' } : { type: 'string' },
                },
              },
            },
            304: { description: 'Not modified (the `If-None-Match` tag is current)', type: 'null' },
            404: {
              ...problemResponse(404),
              description: 'Not built yet, or this server serves no SDK (`ANALYTICS_SDK_DIR` unset)',
            },
          },
        },
      },
      async (request: FastifyRequest, reply: FastifyReply) => {
        reply
          .header('Access-Control-Allow-Origin', '*')
          .header('Cross-Origin-Resource-Policy', 'cross-origin');
        if (dir === undefined) {
          return sendProblem(
            request,
            reply,
            'not_found',
            `This server serves no SDK bundle: start it with ANALYTICS_SDK_DIR set to the directory of the ` +
              `script-tag build (\`npm run build -w widgets\` writes widgets/dist) to serve ${name}.`,
          );
        }
        const file = await load(dir, name);
        if (!file) {
          return sendProblem(
            request,
            reply,
            'not_found',
            `${name} has not been built: run \`npm run build\` (or \`npm run build -w widgets\`) and retry.`,
          );
        }
        reply.header('Cache-Control', CACHE_CONTROL).header('ETag', file.etag);
        if (etagMatches(request.headers['if-none-match'], file.etag)) return reply.code(304).send();
        return reply.type(type).send(file.body);
      },
    );
  }
};

export default sdk;
