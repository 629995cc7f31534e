import { randomUUID } from 'node:crypto';
import { portBody } from './port-body.js';

/**
 * Creates `count` ports through the server's own POST route (16 at a time) and
 * returns their ids. Fails on the first response that is not 201, with its body.
 */
export async function seedPorts(url: string, portsPath: string, count: number, firstNumber: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const n = next++;
      const id = randomUUID();
      const response = await fetch(`${url}${portsPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(portBody(firstNumber + n, id)),
      });
      const text = await response.text();
      if (response.status !== 201) {
        throw new Error(`bench: seeding POST ${portsPath} answered ${response.status} (201 expected): ${text.slice(0, 500)}`);
      }
      ids.push(id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, count) }, worker));
  return ids;
}

/** Fails unless GET `<portsPath>?limit=1000` returns `{ports: [...]}` with at least `expected` items. */
export async function checkList(url: string, portsPath: string, expected: number): Promise<void> {
  const response = await fetch(`${url}${portsPath}?limit=1000`);
  const body = (await response.json()) as { ports?: unknown };
  if (response.status !== 200 || !Array.isArray(body.ports) || body.ports.length < expected) {
    const size = Array.isArray(body.ports) ? body.ports.length : 'no ports array';
    throw new Error(`bench: GET ${portsPath}?limit=1000 answered ${response.status} with ${size} items (${expected} expected)`);
  }
}

/**
 * Waits until the server has worked off what an earlier load phase left queued (requests
 * still in flight when autocannon stopped): one GET of a port, answered only after them.
 */
export async function settle(url: string, portsPath: string, id: string): Promise<void> {
  const response = await fetch(`${url}${portsPath}/${id}`);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`bench: GET ${portsPath}/${id} answered ${response.status} (200 expected)`);
}
