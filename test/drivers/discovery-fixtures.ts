import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

/** A temporary application directory with a package.json and node_modules. */
export interface TempApp {
  readonly root: string;
  /** Writes `node_modules/<name>/` with a package.json (`manifest`) and files. */
  addPackage(name: string, manifest: Record<string, unknown>, files?: Record<string, string>): Promise<string>;
  /** Symlinks an existing package directory as `node_modules/<name>`. */
  linkPackage(name: string, target: string): Promise<void>;
  /** Writes the application's package.json. */
  setDependencies(deps: Record<string, string>): Promise<void>;
  remove(): Promise<void>;
}

export async function tempApp(): Promise<TempApp> {
  const root = await mkdtemp(join(tmpdir(), 'gluon-app-'));
  const app: TempApp = {
    root,
    async addPackage(name, manifest, files = {}) {
      const dir = join(root, 'node_modules', name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', ...manifest }, null, 2));
      for (const [file, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, file)), { recursive: true });
        await writeFile(join(dir, file), text);
      }
      return dir;
    },
    async linkPackage(name, target) {
      const link = join(root, 'node_modules', name);
      await mkdir(dirname(link), { recursive: true });
      await symlink(target, link, 'dir');
    },
    async setDependencies(deps) {
      await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'my-gluon-app', version: '1.0.0', type: 'module', dependencies: deps }, null, 2));
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
  await app.setDependencies({});
  return app;
}

/** A driver module's source: a valid definition exported as `exportName`. */
export function driverModule(name: string, exportName = 'default', apiVersion: unknown = 1): string {
  const definition = `{ name: ${JSON.stringify(name)}, apiVersion: ${JSON.stringify(apiVersion)}, create: (o) => ({ service: o.service, marker: ${JSON.stringify(name)} }) }`;
  return exportName === 'default' ? `export default ${definition};\n` : `export const ${exportName} = ${definition};\n`;
}

/** A `newApp()` for the calling test file: each app it makes is removed after its test. */
export function tempAppsRemovedAfterEach(): () => Promise<TempApp> {
  const apps: TempApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.remove();
  });
  return async () => {
    const app = await tempApp();
    apps.push(app);
    return app;
  };
}
