/**
 * The base URL a server on `host:port` is reached at when no advertised URL is configured:
 * `http://host:port` (`https://` when it serves TLS), with an IPv6 host in brackets
 * (`http://[::1]:2705`).
 */
export function serverBaseUrl(host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The URL others reach a configured server at: its `advertisedUrl`, else `http(s)://host:port` (https when `tlsCert` is set). */
export function advertisedUrlOf(config: { readonly host: string; readonly port: number; readonly advertisedUrl?: string; readonly tlsCert?: string }): string {
  return config.advertisedUrl ?? serverBaseUrl(config.host, config.port, config.tlsCert === undefined ? 'http' : 'https');
}
