/** The parts of a Keystone v3 token body gluon-net reads. */
export interface KeystoneTokenBody {
  readonly user?: { readonly id?: string; readonly name?: string };
  readonly project?: { readonly id?: string; readonly name?: string };
  readonly roles?: readonly { readonly id?: string; readonly name?: string }[];
  readonly expires_at?: string;
}

/** The `token` of a Keystone token answer, if the body has one. */
export function tokenBody(body: unknown): KeystoneTokenBody | undefined {
  const token = (body as { token?: unknown } | undefined)?.token;
  return token !== null && typeof token === 'object' ? (token as KeystoneTokenBody) : undefined;
}

/** `expires_at` as a Date (undefined when absent or unreadable). */
export function tokenExpiry(token: KeystoneTokenBody): Date | undefined {
  if (typeof token.expires_at !== 'string') return undefined;
  const date = new Date(token.expires_at);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
