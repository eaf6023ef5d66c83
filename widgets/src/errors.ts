import type { MessageKey } from './messages.js';

/**
 * A short, human sentence for an error from the client, in the element's words (`t` looks a message up in
 * its locale). The SDK's errors carry the HTTP status and the problem document; anything else shows its
 * message. Always rendered as text.
 */
export function describeError(error: Error, t: (key: MessageKey) => string): string {
  const { status, problem } = error as Error & { status?: number; problem?: { detail?: string } };
  if (status === 401) return t('error401');
  if (status === 403) return t('error403');
  if (status === 429) return t('error429');
  if (status !== undefined && status >= 500) return t('error5xx');
  // The server's own detail is in English: it names the field or value that was refused.
  return problem?.detail || error.message || t('errorOther');
}
