import { createProtonDriver } from '../../src/drivers/index.js';
import { loadModels } from '../../src/core/model/index.js';
import { bundledModelsDir } from '../../src/server/index.js';
import { describeBackendDriver } from '../../src/testing/index.js';
import { portId, startProton, type TestProton } from './helpers.js';

/** Runs the exported conformance suite on the built-in driver, with and without a model. */
function run(label: string, withModel: boolean, base: number): void {
  let proton: TestProton;
  let next = base;
  describeBackendDriver(label, async (options) => {
    const model = withModel ? (await loadModels(bundledModelsDir())).find((m) => m.name === 'net-l3vpn') : undefined;
    return createProtonDriver({ ...options, ...(model === undefined ? {} : { model }) });
  }, {
    service: 'net-l3vpn',
    setup: async () => {
      proton = await startProton();
    },
    teardown: () => proton.close(),
    createPorts: async (count) => {
      const ids = Array.from({ length: count }, () => portId(next++));
      await proton.createPorts(ids, { withBinding: true });
      return ids.map((id) => ({ id, url: proton.url }));
    },
    unknownPort: () => ({ id: portId(0xfffff0), url: proton.url }),
    receivedTokens: () => proton.takeTokens(),
    receivedRequests: () => {
      const count = proton.requests.length;
      proton.resetRequests();
      return count;
    },
  });
}

run('built-in Proton driver (layout from discovery documents)', false, 0x1000);
run('built-in Proton driver (layout from the model)', true, 0x2000);
