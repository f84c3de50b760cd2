import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** What the operator allows beyond https:// on public addresses. */
export interface DestinationRules {
  allowHttp: boolean;
  allowPrivate: boolean;
}

/** The address a delivery connects to: the one that was checked, so DNS cannot swap it after. */
export interface CheckedDestination {
  url: URL;
  address: string;
  family: 4 | 6;
}

export class DestinationRefused extends Error {}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

/** The longest a name may take to resolve; a stuck resolver must not hold a request or a slot. */
const RESOLVE_TIMEOUT_MS = 5_000;

const systemResolver: Resolver = (host) =>
  Promise.race([
    lookup(host, { all: true, verbatim: true }),
    new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error('resolver timeout')), RESOLVE_TIMEOUT_MS).unref();
    }),
  ]);

/**
 * Whether an address may receive webhooks: only global unicast. Loopback, private, link-local,
 * carrier-grade NAT, multicast, reserved, unspecified, unique-local, and the IPv6 forms that carry
 * an IPv4 address (mapped, 6to4, Teredo, NAT64) are refused; a mapped address is judged as the IPv4
 * address it holds.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/**
 * Checks a webhook URL: the scheme, no credentials in it, and every address its host resolves to
 * (one private address among public ones is refused too: the resolver may answer either). Returns
 * the address to connect to.
 */
export async function checkDestination(
  raw: string,
  rules: DestinationRules,
  resolve: Resolver = systemResolver,
): Promise<CheckedDestination> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DestinationRefused('not a URL');
  }
  if (url.protocol !== 'https:' && !(rules.allowHttp && url.protocol === 'http:')) {
    throw new DestinationRefused(`the scheme ${url.protocol} is not allowed`);
  }
  if (url.username || url.password) throw new DestinationRefused('credentials in the URL');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new DestinationRefused(`${host} does not resolve`);
    }
  }
  if (!addresses.length) throw new DestinationRefused(`${host} does not resolve`);
  if (!rules.allowPrivate) {
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad) throw new DestinationRefused(`${host} resolves to a non-public address`);
  }
  const first = addresses[0];
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
