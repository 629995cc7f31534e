import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModels, type ApiModel } from '../../src/core/model/index.js';
import { bundledModelsPath, startServer, type TestServer } from './helpers.js';
import { badCases, validValue } from './model-values.js';
import { call } from '../setup/http-call.js';

const models: readonly ApiModel[] = await loadModels(await bundledModelsPath());

let server: TestServer;
beforeAll(async () => {
  server = await startServer(models);
});
afterAll(async () => server.close());

describe.each(models.map((api) => [api.name, api] as const))('every attribute of %s rejects bad values with 400', (_name, api) => {
  for (const object of api.objects) {
    it(`${object.name}: each bad value names the field, the rule and the value`, async () => {
      const base: Record<string, unknown> = {};
      for (const attribute of object.attributes) {
        if (attribute.required || attribute.primary) base[attribute.name] = validValue(attribute);
      }
      const url = `/proton/${api.name}/${api.versionId}/${object.api.plural}`;
      let checked = 0;
      for (const attribute of object.attributes) {
        for (const bad of badCases(attribute)) {
          const response = await call(url, { app: server.app, method: 'POST', body: { ...base, [attribute.name]: bad.value } });
          const label = `${object.name}.${attribute.name} = ${JSON.stringify(bad.value).slice(0, 40)}`;
          expect(response.status, `${label}: ${response.text}`).toBe(400);
          const fault = response.json();
          expect(fault['faultcode'], label).toBe('Client');
          expect(fault['code'], label).toBe('GLUON_ERR_VALIDATION');
          expect(fault['details'], label).toEqual([
            expect.objectContaining({ field: attribute.name, rule: bad.rule, value: bad.value, message: expect.any(String) }),
          ]);
          expect(fault['faultstring'], label).toContain(attribute.name);
          checked++;
        }
        if (attribute.required && !attribute.primary) {
          const { [attribute.name]: _omitted, ...missing } = base;
          const response = await call(url, { app: server.app, method: 'POST', body: missing });
          expect(response.status, `${object.name}.${attribute.name} missing`).toBe(400);
          expect(response.json()['details']).toEqual([expect.objectContaining({ field: attribute.name, rule: 'required' })]);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});
