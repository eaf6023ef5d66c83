/**
 * Every response of every app the tests build is checked against that app's own `/openapi.json`
 * (`response-validator.ts`). The check is installed from outside the app: Fastify announces each new
 * instance on the `fastify.initialization` diagnostics channel before any plugin or route is registered,
 * so a root `onSend` hook added there sees every response, errors and 404s included, and the app's code
 * carries nothing for the tests. Violations are collected, not thrown, so the request still gets its real
 * answer; the test setup (`setup.ts`) fails the test that caused them.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Check, createResponseValidator, type OpenApiDocument } from './response-validator.js';

export interface Violation {
  request: string;
  status: number;
  problem: string;
}

export const stats = { validated: 0, hidden: 0 };
const violations: Violation[] = [];

/** The violations found since the last call, which forgets them. */
export function takeViolations(): Violation[] {
  return violations.splice(0);
}

// Apps built alike publish the same document: compile it once per worker, not once per app.
const byDocument = new Map<string, Check>();
const checks = new WeakMap<FastifyInstance, Check | null>();

function checkOf(app: FastifyInstance): Check | null {
  let check = checks.get(app);
  if (check === undefined) {
    const swagger = (app as { swagger?: () => unknown }).swagger;
    // An instance without the docs plugin (a test's stand-in server) has no document to hold it to.
    if (typeof swagger !== 'function') check = null;
    else {
      const text = JSON.stringify(swagger.call(app));
      check = byDocument.get(text) ?? createResponseValidator(JSON.parse(text) as OpenApiDocument);
      byDocument.set(text, check);
    }
    checks.set(app, check);
  }
  return check;
}

/** `/api/v1/keys/:id` → `/api/v1/keys/{id}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Adds the checking `onSend` hook to `app` (a root instance, before its routes are registered). */
export function validateResponses(app: FastifyInstance): void {
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const check = checkOf(app);
    if (!check) return payload;
    const route = request.is404 ? undefined : request.routeOptions.url;
    if (route !== undefined && request.routeOptions.schema?.hide) {
      stats.hidden++;
      return payload;
    }
    const body =
      payload === null || payload === undefined
        ? ''
        : typeof payload === 'string' || Buffer.isBuffer(payload)
          ? payload
          : undefined;
    const status = reply.statusCode;
    const problem = check({
      method: request.method,
      path: route === undefined ? undefined : openApiPath(route),
      status,
      contentType: reply.getHeader('content-type')?.toString(),
      body,
    });
    stats.validated++;
    if (problem) violations.push({ request: `${request.method} ${request.url}`, status, problem });
    return payload;
  });
}

/** Checks the responses of every Fastify instance created from now on; returns the function that stops it. */
export function validateNewApps(): () => void {
  const onInit = (message: unknown) => validateResponses((message as { fastify: FastifyInstance }).fastify);
  subscribe('fastify.initialization', onInit);
  return () => unsubscribe('fastify.initialization', onInit);
}
