import type { AuthConfig } from '../../core/auth/index.js';
import type { SettingValues } from './settings.js';

/**
 * The `auth` option of createProtonServer from checked settings (undefined = noauth).
 * The settings a strategy needs are checked before, through their `requiredWhen`.
 */
export function authConfigOf(values: SettingValues): AuthConfig | undefined {
  switch (values.authStrategy) {
    case undefined:
    case 'noauth':
      return undefined;
    case 'token-file':
      return values.tokenFile === undefined ? undefined : { strategy: 'token-file', tokenFile: values.tokenFile };
    default:
      return {
        strategy: 'keystone',
        keystone: {
          authUrl: values.keystoneUrl ?? '',
          username: values.keystoneUsername ?? '',
          password: values.keystonePassword ?? '',
          projectName: values.keystoneProject ?? '',
          ...(values.keystoneUserDomain === undefined ? {} : { userDomainName: values.keystoneUserDomain }),
          ...(values.keystoneProjectDomain === undefined ? {} : { projectDomainName: values.keystoneProjectDomain }),
          ...(values.keystoneCacheTtl === undefined ? {} : { cacheTtlSeconds: values.keystoneCacheTtl }),
        },
      };
  }
}
