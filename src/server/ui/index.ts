/**
 * The live view of the reference server (`/proton/ui`): a page that shows the Protons,
 * their objects, every port with its binding state and host, and the shims with their
 * hosts, updating from the API's watch streams.
 * @packageDocumentation
 */
export { uiPlugin, UI_PATH, UI_CONTENT_SECURITY_POLICY } from './ui-routes.js';
export type { UiPluginOptions } from './ui-routes.js';
export { loadUiAssets } from './ui-assets.js';
export type { UiAsset, UiAssets } from './ui-assets.js';
export type { UiOverview, UiApiSummary, UiObjectSummary } from './ui-overview.js';
export type { ShimsDocument, ShimView, ShimCandidate } from './shims-view.js';
