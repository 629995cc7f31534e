import { GluonError, type GluonErrorOptions } from '../errors/index.js';

/**
 * The original's database cannot be read: bad URL, missing file, unreachable server,
 * missing driver, or no table of the original's naming in it (`GLUON_ERR_IMPORT_SOURCE`).
 */
export class ImportError extends GluonError {
  constructor(message: string, options: GluonErrorOptions = {}) {
    super('GLUON_ERR_IMPORT_SOURCE', message, options);
  }
}
