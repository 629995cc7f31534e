import type { ApiModel, ObjectModel } from '../model/index.js';

/** What a registry lookup by URL parts returns. */
export interface ResolvedObject {
  /** The API (one version of a Proton) the URL names. */
  readonly api: ApiModel;
  /** The object whose collection the URL names. */
  readonly object: ObjectModel;
}
