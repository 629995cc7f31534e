import { fileURLToPath } from 'node:url';
import { CUSTOM_FORMATS, loadModels, toObjectSchemas } from '../src/core/model/index.js';
import type { ApiModel, ObjectModel, ObjectSchemas } from '../src/core/model/index.js';

/**
 * The models both servers load: the bundled `models/` folder (what `npm start` serves),
 * or `BENCH_MODELS` when set (it must contain net-l3vpn).
 */
export const MODELS_DIR = process.env['BENCH_MODELS'] ?? fileURLToPath(new URL('../models/', import.meta.url));

/** The net-l3vpn Port as both benchmark servers see it. */
export interface BenchPortModel {
  readonly api: ApiModel;
  readonly port: ObjectModel;
  /** The same JSON Schemas the HTTP part validates and serializes with. */
  readonly schemas: ObjectSchemas;
  /** Custom string formats (`mac`, `json`) to register on Ajv. */
  readonly formats: typeof CUSTOM_FORMATS;
}

/** Loads the bundled models and picks net-l3vpn's Port with its schemas. */
export async function loadPortModel(): Promise<BenchPortModel> {
  const models = await loadModels(MODELS_DIR);
  const api = models.find((model) => model.name === 'net-l3vpn');
  if (api === undefined) throw new Error(`bench: no net-l3vpn API among the models in ${MODELS_DIR}`);
  const port = api.objects.find((object) => object.api.plural === 'ports');
  if (port === undefined) throw new Error(`bench: net-l3vpn has no object with plural "ports"`);
  return { api, port, schemas: toObjectSchemas(api, port), formats: CUSTOM_FORMATS };
}
