import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function demo(version: string, extra: string): string {
  return `file_version: "1.0"
info:
  name: demo
  version: ${version}
objects:
  Site:
    api: {name: site, plural_name: sites}
    attributes:
      id: {type: uuid, primary: true}
      name: {type: string, length: 32, required: true}
  Rack:
    api: {name: rack, plural_name: racks, parent: Site, parent_key: site_id}
    attributes:
      id: {type: uuid, primary: true}
      site_id: {type: Site, required: true}
      name: {type: string, length: 32}
  Host:
    api: {name: host, plural_name: hosts, parent: Rack, parent_key: rack_id}
    attributes:
      id: {type: uuid, primary: true}
      rack_id: {type: Rack, required: true}
      name: {type: string, length: 32}
      weight: {type: integer, min: 0, max: 100}
      up: {type: boolean}
${extra}`;
}

/**
 * Writes a `demo` API in two versions (1.0 and 2.0) with a three-level parent chain
 * Site → Rack → Host, and returns the directory.
 */
export async function writeDemoModels(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gluon-demo-models-'));
  await writeFile(join(dir, 'demo-v1.yaml'), demo('1.0', ''));
  await writeFile(
    join(dir, 'demo-v2.yaml'),
    demo('2.0', `  Tag:
    api: {name: tag, plural_name: tags}
    attributes:
      id: {type: uuid, primary: true}
      label: {type: string, length: 16}
`),
  );
  return dir;
}
