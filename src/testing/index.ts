/**
 * `gluon-net/testing` — conformance suites for plugin authors. Requires vitest (an
 * optional peer dependency of gluon-net, needed only for this subpath).
 * @packageDocumentation
 */
export { describeBackendDriver, expectNeutronPort } from './describe-backend-driver.js';
export type { BackendDriverFactory, BackendDriverFixtures } from './describe-backend-driver.js';
