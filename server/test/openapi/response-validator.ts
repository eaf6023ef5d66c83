/**
 * Checks real responses against the OpenAPI document the server publishes: the status must be documented
 * for the operation, the content type must be one the document lists for that status (no body where it
 * lists none), and a JSON body must match the schema, with Ajv (JSON Schema 2020-12, the dialect of
 * OpenAPI 3.1). A response no route answered (an unknown path, a URL that does not parse) must be a
 * problem document.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** The parts of an OpenAPI 3.1 document this reads. */
export interface OpenApiDocument {
  paths?: Record<string, Record<string, { responses?: Record<string, ResponseObject> }>>;
  components?: { schemas?: Record<string, unknown> };
}
interface ResponseObject {
  content?: Record<string, { schema?: unknown }>;
}

export interface CheckedResponse {
  method: string;
  /** The OpenAPI path of the route that answered (`/api/v1/keys/{id}`); undefined when no route did. */
  path: string | undefined;
  status: number;
  /** The `Content-Type` header, if any. */
  contentType: string | undefined;
  /** The body as sent; undefined when it is a stream (not checked). */
  body: string | Buffer | undefined;
}

/** Why a response does not conform, or undefined when it does. */
export type Check = (response: CheckedResponse) => string | undefined;

const DOC_ID = 'openapi.json';
const PROBLEM = '#/components/schemas/Problem';

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}

const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

/** The media type of a `Content-Type` value, without parameters, lower case. */
function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/** A checker for `doc`; schemas compile on first use and are kept. */
export function createResponseValidator(doc: OpenApiDocument): Check {
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateSchema: false });
  addFormats(ajv);
  // The whole document is one schema resource, so its `#/components/schemas/...` references resolve.
  ajv.addSchema(doc as object, DOC_ID);
  const compiled = new Map<string, ValidateFunction>();
  const validatorAt = (ref: string): ValidateFunction => {
    let fn = compiled.get(ref);
    if (!fn) {
      fn = ajv.compile({ $ref: `${DOC_ID}${ref}` });
      compiled.set(ref, fn);
    }
    return fn;
  };

  const checkBody = (ref: string, mediaType: string, body: string | Buffer, status: number) => {
    const text = body.toString();
    let value: unknown = text;
    if (isJson(mediaType)) {
      try {
        value = JSON.parse(text);
      } catch {
        return `the body is not JSON (${mediaType}): ${text.slice(0, 80)}`;
      }
    }
    const validate = validatorAt(ref);
    if (!validate(value)) return `the body does not match ${ref}: ${describe(validate.errors)}`;
    if (mediaType === 'application/problem+json' && (value as { status?: unknown }).status !== status) {
      return `the problem's status ${(value as { status?: unknown }).status} is not the response's ${status}`;
    }
    return undefined;
  };

  return (res) => {
    const mediaType = mediaTypeOf(res.contentType);
    const hasBody = res.body === undefined || res.body.length > 0;

    if (res.path === undefined) {
      if (res.status < 400) return `a ${res.status} from no route`;
      if (mediaType !== 'application/problem+json') {
        return `an error from no route must be application/problem+json, not ${mediaType ?? 'no type'}`;
      }
      return res.body === undefined ? undefined : checkBody(PROBLEM, mediaType, res.body, res.status);
    }

    const method = res.method === 'HEAD' ? 'get' : res.method.toLowerCase();
    const operation = doc.paths?.[res.path]?.[method];
    if (!operation) return `${method.toUpperCase()} ${res.path} is not in the document`;
    const responses = operation.responses ?? {};
    const key = [String(res.status), `${String(res.status)[0]}XX`, 'default'].find((k) => responses[k]);
    if (!key) {
      return `status ${res.status} is not documented (documented: ${Object.keys(responses).join(', ')})`;
    }
    const content = responses[key]!.content;
    if (!content) return hasBody ? `the document lists no body for ${key}, but one was sent` : undefined;
    if (res.method === 'HEAD' || (!hasBody && res.status === 304)) return undefined;
    if (!mediaType) return `no Content-Type; the document lists ${Object.keys(content).join(', ')}`;
    const mediaKey = [mediaType, `${mediaType.split('/')[0]}/*`, '*/*'].find((k) => content[k]);
    if (!mediaKey) {
      return `Content-Type ${mediaType} is not documented for ${key} (documented: ${Object.keys(content).join(', ')})`;
    }
    if (content[mediaKey]!.schema === undefined || res.body === undefined) return undefined;
    const ref = `#/${pointer('paths', res.path, method, 'responses', key, 'content', mediaKey, 'schema')}`;
    return checkBody(ref, mediaType, res.body, res.status);
  };
}
