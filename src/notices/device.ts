import Bowser from 'bowser';
import ipaddr from 'ipaddr.js';

/** A device as the new-device notice tells them apart: browser and OS, and the network. */
export interface Device {
  /** What the user reads: "Firefox, Windows". */
  label: string;
  /** The /24 (IPv4) or /48 (IPv6) network, so a new address from the same provider is no news. */
  network: string;
  /** label + network: the key of `user_devices`. */
  key: string;
}

export function deviceOf(
  userAgent: string | null | undefined,
  ip: string | null | undefined,
): Device {
  const parsed = userAgent ? Bowser.parse(userAgent) : undefined;
  const browser = parsed?.browser.name || 'Unknown browser';
  const os = parsed?.os.name;
  // Brand names and a comma: the same in every language the notice is written in.
  const label = os ? `${browser}, ${os}` : browser;
  const network = networkOf(ip);
  return { label, network, key: `${label}|${network}`.slice(0, 200) };
}

function networkOf(ip: string | null | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return 'unknown';
  const addr = ipaddr.process(ip); // an IPv4-mapped IPv6 address counts as IPv4
  if (addr.kind() === 'ipv4') {
    const o = (addr as ipaddr.IPv4).octets;
    return `${o[0]}.${o[1]}.${o[2]}.0/24`;
  }
  const p = (addr as ipaddr.IPv6).parts;
  return `${p
    .slice(0, 3)
    .map((x) => x.toString(16))
    .join(':')}::/48`;
}
