import type { ApiModel, AttributeModel, ObjectModel } from './types.js';

/** The API object named `name` (`Port`, `VpnBinding`) in `api`, or `undefined`. */
export function findObject(api: ApiModel, name: string): ObjectModel | undefined {
  return api.objects.find((object) => object.name === name);
}

/** The API object whose plural name (URL segment) is `plural` in `api`, or `undefined`. */
export function findObjectByPlural(api: ApiModel, plural: string): ObjectModel | undefined {
  return api.objects.find((object) => object.api.plural === plural);
}

/** The attribute named `name` of `object`, or `undefined`. */
export function getAttribute(object: ObjectModel, name: string): AttributeModel | undefined {
  return object.attributes.find((attribute) => attribute.name === name);
}
