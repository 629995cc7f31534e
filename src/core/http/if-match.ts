import { GluonError } from '../errors/index.js';

const IF_MATCH = /^\s*"?revision_number=(\d{1,15})"?\s*$/;
const WEAK = /^\s*W\//;

/**
 * Parses an `If-Match: revision_number=N` header (quoted or not, as the ETag we send).
 * A weak validator (`W/"…"`) is refused: If-Match uses the strong comparison (RFC 9110).
 * Returns undefined when the header is absent or `*`.
 * @throws GluonError `GLUON_ERR_BAD_PRECONDITION` when the header has another form.
 */
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return undefined;
  if (WEAK.test(value)) {
    throw new GluonError(
      'GLUON_ERR_BAD_PRECONDITION',
      `Invalid If-Match header: '${value}'. A weak validator (W/"…") never matches: If-Match uses the strong comparison (RFC 9110). Send revision_number=<integer>.`,
      { details: [{ field: 'If-Match', rule: 'strong', value, message: 'must be a strong validator, e.g. "revision_number=3" (no W/ prefix)' }] },
    );
  }
  const match = IF_MATCH.exec(value);
  if (match === null) {
    throw new GluonError(
      'GLUON_ERR_BAD_PRECONDITION',
      `Invalid If-Match header: '${value}'. Expected revision_number=<integer>.`,
      { details: [{ field: 'If-Match', rule: 'format', value, message: 'must be revision_number=<integer>, e.g. revision_number=3' }] },
    );
  }
  return Number(match[1]);
}

/** The ETag value the plugin sends for an object revision. */
export function etagFor(revision: unknown): string | undefined {
  return typeof revision === 'number' ? `"revision_number=${revision}"` : undefined;
}
