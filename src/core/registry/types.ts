import type { ApiModel, ObjectModel } from '../model/index.js';

/** What a registry lookup by URL parts returns. */
export interface ResolvedObject {
  readonly api: ApiModel;
  readonly object: ObjectModel;
}
