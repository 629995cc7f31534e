/**
 * The import part: reads the database of an original (Python) Gluon proton-server —
 * SQLite or MySQL/MariaDB — and writes its objects through our store, idempotently,
 * reporting every row our validation refuses (`gluon db import-gluon`).
 * @packageDocumentation
 */
export { importGluon } from './import-gluon.js';
export type { ImportGluonOptions } from './import-gluon.js';
export { openGluonSource, parseSourceUrl } from './source.js';
export type { GluonSource, SourceRow, SourceTable, SourceTarget } from './source.js';
export { originalTableName, deCamel } from './original-names.js';
export { importOrder } from './object-order.js';
export { ImportError } from './import-error.js';
export type { ImportAction, ImportedObject, RefusedRow, AddedObject, ImportCounts, ImportReport } from './types.js';
