/**
 * The base URL a server on `host:port` is reached at when no advertised URL is configured:
 * `http://host:port`, with an IPv6 host in brackets (`http://[::1]:2705`).
 */
export function serverBaseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
