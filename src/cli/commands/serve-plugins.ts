import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Logger } from 'pino';
import { discoverPlugins, type DiscoveredPlugins, type PluginProvision } from '../../drivers/index.js';

/** What an application without a package.json (no plugins to discover) provides. */
const NO_PLUGINS: DiscoveredPlugins = { drivers: new Map(), shims: new Map(), models: [], hooks: new Map(), packages: [], provided: [] };

/**
 * The plugins `gluon serve` loads: the `gluon` packages among the dependencies of the
 * application at `root` (none when `root` has no package.json). A broken plugin throws
 * its `GLUON_ERR_PLUGIN_*` error, naming the package, so the server does not start.
 */
export async function discoverServePlugins(root: string): Promise<DiscoveredPlugins> {
  if (!existsSync(join(root, 'package.json'))) return NO_PLUGINS;
  return discoverPlugins({ root });
}

/** One line per plugin package: what it provides (models relative to the package). */
export function describeProvisions(provided: readonly PluginProvision[], root: string): string[] {
  if (provided.length === 0) return [`no gluon plugins among the dependencies of ${join(root, 'package.json')}`];
  return provided.map((p) => `${p.package}: ${provisionSummary(p, root)}`);
}

/** Logs, at start-up, which plugin provides what. */
export function logProvisions(logger: Logger, provided: readonly PluginProvision[], root: string): void {
  for (const p of provided) {
    logger.info({ plugin: p.package, models: p.models, hooks: p.hooks, drivers: p.drivers, shims: p.shims }, `plugin ${p.package} provides ${provisionSummary(p, root)}`);
  }
}

function provisionSummary(p: PluginProvision, root: string): string {
  const parts = [
    ['models', p.models.map((m) => relative(root, m))],
    ['hooks', p.hooks],
    ['drivers', p.drivers],
    ['shims', p.shims],
  ] as const;
  const listed = parts.filter(([, names]) => names.length > 0).map(([kind, names]) => `${kind} ${names.join(', ')}`);
  return listed.length === 0 ? 'nothing' : listed.join('; ');
}
