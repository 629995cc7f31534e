// The floor of one HTTP hop through a facade, without gluon: bench/storm-ceiling.ts runs
// this file twice, in two processes. `upstream` answers every request with a port-sized
// JSON body (bare fastify: the least a server does to answer a read); `proxy` forwards
// every request (method, path, JSON body) to the upstream over a keep-alive undici Pool
// and returns the answer (bare fastify + undici: the least a facade does per call).
//   node bench/proxy-hop-floor.mjs upstream <port>
//   node bench/proxy-hop-floor.mjs proxy <port> <upstream url> <connections>
import Fastify from 'fastify';
import { Pool } from 'undici';

const [mode, listenPort, upstreamUrl, connections] = process.argv.slice(2);
const app = Fastify();

if (mode === 'upstream') {
  const port = {
    id: '9d2c6a3e-52b7-4a0e-8d5b-0f3c3c1f2a11', name: 'storm port', tenant_id: '6b5f2d0c8a3e4f1b9c7d2e0a1b3c5d7e', project_id: '6b5f2d0c8a3e4f1b9c7d2e0a1b3c5d7e',
    network_id: 'storm-gluon-network', mac_address: 'fa:16:3e:12:34:56', admin_state_up: true, status: 'ACTIVE', device_id: 'b0c6f7e2-4d1a-4c8e-9f3b-2a5d6e7f8a9b',
    device_owner: 'compute:nova', fixed_ips: [{ ip_address: '10.0.0.17', subnet_id: 'storm-gluon-subnet' }], 'binding:host_id': 'compute-a', 'binding:vif_type': 'ovs',
    'binding:vif_details': { port_filter: false, bridge_name: 'br-gluon' }, 'binding:vnic_type': 'normal', 'binding:profile': {}, mtu: 1500,
    security_groups: [], allowed_address_pairs: [], extra_dhcp_opts: [], description: '', tags: [], revision_number: 3,
    created_at: '2026-12-05T04:00:00Z', updated_at: '2026-12-05T04:00:01Z',
  };
  app.all('/*', async () => ({ port }));
} else {
  const pool = new Pool(upstreamUrl, { connections: Number(connections), pipelining: 1 });
  app.all('/*', async (request, reply) => {
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const answer = await pool.request({
      method: request.method,
      path: request.url,
      ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
    });
    reply.code(answer.statusCode).header('content-type', 'application/json');
    return answer.body.text();
  });
}

await app.listen({ host: '127.0.0.1', port: Number(listenPort) });
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
