/**
 * The client CLI: `gluon <resource> <action>` generated at run time from the server's
 * discovery and OpenAPI documents, and `protonclient`, the original Gluon client's
 * command line. See docs/cli.md.
 * @packageDocumentation
 */
export { runClient, isClientCommandLine, exitAfterFlush, processIo, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE } from './run.js';
export type { ClientIo } from './run.js';
export { runProtonclient } from './protonclient.js';
export { SseParser } from './sse.js';
export type { SseEvent } from './sse.js';
export { parseAttributeValue } from './flags.js';
