/** Shared inputs and checks of the `resolveServerConfig` tests. */
import { isGluonError, type GluonError } from '../../src/core/errors/index.js';
import { resolveServerConfig, type ResolveServerConfigInput } from '../../src/server/index.js';

/** The GluonError `resolveServerConfig(input)` throws (fails the test when it throws none). */
export function configErrorOf(input: ResolveServerConfigInput): GluonError {
  try {
    resolveServerConfig(input);
  } catch (err) {
    if (isGluonError(err)) return err;
    throw err;
  }
  throw new Error('expected a GLUON_ERR_CONFIG error');
}

/** A `gluon.yaml` input read from `/etc/gluon/gluon.yaml` with this text. */
export const configFile = (text: string): { path: string; text: string } => ({ path: '/etc/gluon/gluon.yaml', text });
