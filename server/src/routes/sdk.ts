import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../plugins/app/errors.js';
import { problemResponse } from '../schemas/common.js';

const SCRIPT = 'text/javascript; charset=utf-8';
const SOURCE_MAP = 'application/json; charset=utf-8';

/** The files of the widgets build that pages load from the API's origin: media type and `operationId`. */
const FILES: Record<string, { type: string; operationId: string; summary: string }> = {
  'analytics.js': { type: SCRIPT, operationId: 'getSdkScript', summary: 'everything (IIFE)' },
  'analytics.esm.js': { type: SCRIPT, operationId: 'getSdkModule', summary: 'everything (ES module)' },
  'analytics.js.map': { type: SOURCE_MAP, operationId: 'getSdkSourceMap', summary: 'source map' },
  'tracker.js': { type: SCRIPT, operationId: 'getTrackerScript', summary: 'tracking only (IIFE)' },
  'tracker.js.map': { type: SOURCE_MAP, operationId: 'getTrackerSourceMap', summary: 'source map' },
};

// The plain path is not versioned, so a release must reach browsers within minutes; revalidating with the
// ETag is cheap, and stale-while-revalidate keeps pages fast while it happens.
const CACHE_CONTROL = 'public, max-age=300, stale-while-revalidate=86400';
// A versioned path only ever serves the bytes its release's integrity hash names (see `versioned`).
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** `sdk.json`, written by the widgets build beside the bundles. */
interface Manifest {
  version: string;
  /** Subresource Integrity value per script (`sha384-…`). */
  integrity: Record<string, string>;
}

interface Cached {
  mtimeMs: number;
  size: number;
  body: Buffer;
  etag: string;
  integrity: string;
}

/** Whether an `If-None-Match` value matches (weak comparison, as RFC 9110 prescribes for this header). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === opaque);
}

/**
 * `GET /sdk/<file>` and `GET /sdk/<version>/<file>`: the script tags (`analytics.js` with every element,
 * `tracker.js` for tracking only), the ES module and the source maps, read from `config.sdkDir`
 * (`ANALYTICS_SDK_DIR`; unset, every file is a 404 problem that says so). Each file is read once and kept
 * while its size and modification time hold, so a rebuild is served without a restart. The ETag is a hash
 * of the bytes (strong: equal tags mean equal bytes, which is what Subresource Integrity checks too).
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
    const integrity = `sha384-${createHash('sha384').update(body).digest('base64')}`;
    const entry = { mtimeMs: st.mtimeMs, size: st.size, body, etag, integrity };
    cache.set(name, entry);
    return entry;
  }

  /** The manifest of the build in `dir`, or undefined when there is none (or it is not one). */
  async function manifest(dir: string): Promise<Manifest | undefined> {
    const file = await load(dir, 'sdk.json');
    if (!file) return undefined;
    try {
      const parsed = JSON.parse(file.body.toString('utf8')) as Partial<Manifest>;
      return typeof parsed.version === 'string' && typeof parsed.integrity === 'object' && parsed.integrity
        ? (parsed as Manifest)
        : undefined;
    } catch {
      return undefined;
    }
  }

  const notBuilt = (name: string) =>
    `${name} has not been built: run \`npm run build\` (or \`npm run build -w widgets\`) and retry.`;
  const noDir = (name: string) =>
    'This server serves no SDK bundle: start it with ANALYTICS_SDK_DIR set to the directory of the ' +
    `script-tag build (\`npm run build -w widgets\` writes widgets/dist) to serve ${name}.`;

  /** The 200 (or 304) for a file, with the cross-origin headers every answer here carries. */
  function send(request: FastifyRequest, reply: FastifyReply, name: string, file: Cached, cache: string) {
    reply.header('Cache-Control', cache).header('ETag', file.etag);
    if (etagMatches(request.headers['if-none-match'], file.etag)) return reply.code(304).send();
    return reply.type(FILES[name]!.type).send(file.body);
  }

  const crossOrigin = (reply: FastifyReply) =>
    reply.header('Access-Control-Allow-Origin', '*').header('Cross-Origin-Resource-Policy', 'cross-origin');

  const responses = (name: string, missing: string) => ({
    200: {
      description: name.endsWith('.map') ? 'The source map' : 'The JavaScript bundle',
      content: {
        // The source map is a JSON object (revision 3); the bundles are script text.
        [FILES[name]!.type.split(';')[0]!]: {
          schema: name.endsWith('.map') ? { type: 'object' } : { type: 'string' },
        },
      },
    },
    304: { description: 'Not modified (the `If-None-Match` tag is current)', type: 'null' },
    404: { ...problemResponse(404), description: missing },
  });

  for (const [name, { operationId, summary }] of Object.entries(FILES)) {
    app.get(
      `/sdk/${name}`,
      {
        schema: {
          tags: ['sdk'],
          operationId,
          summary: `The widgets build: ${name}, ${summary}`,
          description:
            'Static file from the widgets build (`npm run build`), always the latest build. Cached 5 minutes, ' +
            'then revalidated with the strong `ETag` (`If-None-Match` → 304). Served with ' +
            '`Access-Control-Allow-Origin: *` and `Cross-Origin-Resource-Policy: cross-origin`, so a script ' +
            'tag loads it from any page. For a tag with `integrity`, use the versioned path instead.',
          response: responses(
            name,
            'Not built yet, or this server serves no SDK (`ANALYTICS_SDK_DIR` unset)',
          ),
        },
      },
      async (request: FastifyRequest, reply: FastifyReply) => {
        crossOrigin(reply);
        if (dir === undefined) return sendProblem(request, reply, 'not_found', noDir(name));
        const file = await load(dir, name);
        if (!file) return sendProblem(request, reply, 'not_found', notBuilt(name));
        return send(request, reply, name, file, CACHE_CONTROL);
      },
    );

    app.get<{ Params: { version: string } }>(
      `/sdk/:version/${name}`,
      {
        schema: {
          tags: ['sdk'],
          operationId: `${operationId}Versioned`,
          summary: `The widgets build of one release: ${name}, ${summary}`,
          description:
            'The same file under its release’s version (`sdk.json` of the build names it; `npm run sri` ' +
            'prints the tags). A script is served here only while its bytes match the Subresource Integrity ' +
            'hash the build published, so the path never changes content: it is cached for a year as ' +
            '`immutable`. Another version than the one this server holds is a 404.',
          params: {
            type: 'object',
            properties: {
              version: {
                type: 'string',
                pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$',
                maxLength: 64,
                description: 'The release, as in `sdk.json` (`0.1.0`, or `v0.1.0`)',
                examples: ['0.1.0'],
              },
            },
            required: ['version'],
          },
          response: {
            ...responses(name, 'Not this server’s release, or not built'),
            422: { ...problemResponse(422), description: 'The version is not a release number' },
          },
        },
      },
      async (request, reply) => {
        crossOrigin(reply);
        if (dir === undefined) return sendProblem(request, reply, 'not_found', noDir(name));
        const [release, file] = await Promise.all([manifest(dir), load(dir, name)]);
        const wanted = request.params.version.replace(/^v/, '');
        if (!release || !file) return sendProblem(request, reply, 'not_found', notBuilt(name));
        if (release.version !== wanted) {
          return sendProblem(
            request,
            reply,
            'not_found',
            `This server serves release ${release.version} of the SDK, not ${wanted}: load /sdk/${release.version}/${name}.`,
          );
        }
        // A script whose bytes no longer match the published hash (rebuilt in place) would fail every
        // page's integrity check: refuse it here rather than have browsers cache it for a year.
        const published = release.integrity[name];
        if (name.endsWith('.map')) return send(request, reply, name, file, CACHE_CONTROL);
        if (published !== file.integrity) {
          return sendProblem(
            request,
            reply,
            'not_found',
            `${name} was rebuilt since sdk.json was written: run \`npm run build -w widgets\` again.`,
          );
        }
        return send(request, reply, name, file, IMMUTABLE);
      },
    );
  }
};

export default sdk;
