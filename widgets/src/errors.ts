/**
 * A short, human sentence for an error from the client. The SDK's errors carry the HTTP status and the
 * problem document; anything else shows its message. Always rendered as text.
 */
export function describeError(error: Error): string {
  const { status, problem } = error as Error & { status?: number; problem?: { detail?: string } };
  if (status === 401) return 'The access token is missing, invalid or expired.';
  if (status === 403) return 'This token is not allowed to read this data.';
  if (status === 429) return 'Too many requests; try again in a moment.';
  if (status !== undefined && status >= 500) return 'The analytics service had a problem.';
  return problem?.detail || error.message || 'Something went wrong.';
}
