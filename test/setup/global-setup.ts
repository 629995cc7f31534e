/**
 * vitest global set-up: starts the real services the suites need (one private etcd on
 * free ports for the whole run, installing Debian's etcd-server first if needed as
 * root) and exposes their addresses through `inject()` and environment variables.
 * Tests that kill or restart etcd start their own instance with `startEtcd()`.
 */
import type { TestProject } from 'vitest/node';
import { ensureEtcdInstalled, startEtcd, type EtcdInstance } from './etcd.js';

let etcd: EtcdInstance | undefined;

export async function setup(project: TestProject): Promise<void> {
  ensureEtcdInstalled();
  etcd = await startEtcd();
  project.provide('etcdEndpoint', etcd.endpoint);
  process.env['GLUON_TEST_ETCD'] = etcd.endpoint;
}

export async function teardown(): Promise<void> {
  await etcd?.stop();
  etcd = undefined;
}
