/**
 * The compute-host agent of the PoC (standing in for nova-compute's VIF plugging with
 * os-vif): an HTTP server on 127.0.0.1 that the boot driver calls once a port bound to
 * this host is ACTIVE.
 *
 *   node --import tsx examples/poc/agent.ts --host compute-1 --netns <ns> --vm-prefix <p> --dir <run dir>
 *
 *   POST /plug   {instance, port_id, mac, vif_type, vif_details, address, prefix, gateway} → 204
 *   POST /unplug {instance, port_id} → 204
 *   GET  /instances → {instances: [{instance, port_id, bridge}]}
 *
 * It writes its URL to `<dir>/agent-<host>.url` once listening.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PlugRefused, plugVif, unplugVif, type ComputeHost, type PlugRequest } from './vif-plug.js';

interface Plugged {
  readonly instance: string;
  readonly port_id: string;
  readonly bridge: string;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function log(event: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), event, ...fields }));
}

function handler(host: ComputeHost, plugged: Map<string, Plugged>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.method === 'GET' && req.url === '/instances') return send(res, 200, { instances: [...plugged.values()] });
      if (req.method === 'POST' && req.url === '/plug') {
        const body = (await readJson(req)) as unknown as PlugRequest;
        await plugVif(host, body);
        plugged.set(body.instance, { instance: body.instance, port_id: body.port_id, bridge: String(body.vif_details['bridge_name']) });
        log('plugged', { host: host.host, instance: body.instance, port: body.port_id, bridge: body.vif_details['bridge_name'], mac: body.mac, address: `${body.address}/${body.prefix}` });
        return send(res, 204);
      }
      if (req.method === 'POST' && req.url === '/unplug') {
        const body = (await readJson(req)) as unknown as Pick<PlugRequest, 'instance' | 'port_id'>;
        await unplugVif(host, body);
        plugged.delete(body.instance);
        log('unplugged', { host: host.host, instance: body.instance, port: body.port_id });
        return send(res, 204);
      }
      return send(res, 404, { error: `no route ${req.method ?? ''} ${req.url ?? ''}` });
    } catch (err) {
      log('failed', { host: host.host, url: req.url ?? '', error: (err as Error).message });
      return send(res, err instanceof PlugRefused ? 400 : 500, { error: (err as Error).message });
    }
  };
}

function main(): void {
  const { values } = parseArgs({ options: { host: { type: 'string' }, netns: { type: 'string' }, 'vm-prefix': { type: 'string' }, dir: { type: 'string' } } });
  const { host, netns, dir } = values;
  const vmPrefix = values['vm-prefix'];
  if (host === undefined || netns === undefined || vmPrefix === undefined || dir === undefined) {
    console.error('usage: agent.ts --host <name> --netns <ns> --vm-prefix <prefix> --dir <run dir>');
    process.exit(2);
  }
  const compute: ComputeHost = { host, netns, vmPrefix, dir, guest: fileURLToPath(new URL('./guest.mjs', import.meta.url)) };
  const handle = handler(compute, new Map());
  const server = createServer((req, res) => void handle(req, res));
  server.listen(0, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(`${dir}/agent-${host}.url`, url);
    log('listening', { host, netns, url });
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
