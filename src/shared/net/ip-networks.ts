// Network conditions of rules: CIDRs parsed once with ipaddr.js, client addresses tested by a
// small parser that allocates nothing, because decide() runs on every proxied request.
import ipaddr from 'ipaddr.js';

interface Network6 {
  groups: Uint16Array;
  bits: number;
}

/** A rule's networks: IPv4 ranges as masked 32-bit numbers, IPv6 ranges as 8 groups and a prefix. */
export interface NetworkSet {
  readonly v4Base: Uint32Array;
  readonly v4Mask: Uint32Array;
  readonly v6: readonly Network6[];
}

export interface ParsedNetworks {
  networks: NetworkSet;
  /** Entries that are not addresses or ranges, by index; they are left out of networks. */
  errors: Array<{ index: number; reason: string }>;
}

/** Parses "10.0.0.0/8", "2001:db8::/32" or a single address; IPv4-mapped ranges become IPv4 ones. */
export function parseNetworks(entries: readonly string[]): ParsedNetworks {
  const v4: Array<[number, number]> = [];
  const v6: Network6[] = [];
  const errors: ParsedNetworks['errors'] = [];
  for (let i = 0; i < entries.length; i++) {
    const parsed = parseNetwork(entries[i]!);
    if (typeof parsed === 'string') {
      errors.push({ index: i, reason: parsed });
      continue;
    }
    const [addr, bits] = parsed;
    if (addr.kind() === 'ipv4') {
      const mask = maskOf(bits);
      v4.push([(toUint32(addr as ipaddr.IPv4) & mask) >>> 0, mask]);
    } else {
      v6.push({ groups: Uint16Array.from((addr as ipaddr.IPv6).parts), bits });
    }
  }
  return {
    networks: { v4Base: Uint32Array.from(v4, (n) => n[0]), v4Mask: Uint32Array.from(v4, (n) => n[1]), v6 },
    errors,
  };
}

function parseNetwork(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | string {
  const slash = entry.indexOf('/');
  const text = slash === -1 ? entry : entry.slice(0, slash);
  const prefix = slash === -1 ? undefined : entry.slice(slash + 1);
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  // ipaddr.parse also takes "10.1" and "012.0.0.1" (octal!): only dotted decimal is unambiguous.
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) addr = ipaddr.IPv4.parse(text);
  else if (!text.includes('%') && ipaddr.IPv6.isValid(text)) addr = ipaddr.IPv6.parse(text);
  else return `"${entry}" is not an IP address or CIDR range`;
  const max = addr.kind() === 'ipv4' ? 32 : 128;
  let bits = max;
  if (prefix !== undefined) {
    if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `"${entry}" has a bad prefix length (0-${max})`;
    bits = Number(prefix);
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [addr, bits];
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function toUint32(addr: ipaddr.IPv4): number {
  const [a, b, c, d] = addr.octets as [number, number, number, number];
  return ((a * 256 + b) * 256 + c) * 256 + d;
}

// One scratch buffer: matching is synchronous, so no two callers ever use it at once.
const scratch = new Uint16Array(8);

/** Whether the client address (text) is in any of the networks; false when it is not an address. */
export function inNetworks(set: NetworkSet, ip: string): boolean {
  if (ip.includes(':')) {
    if (!parseIPv6(ip, scratch)) return false;
    if (isIPv4Mapped(scratch)) return inV4(set, scratch[6]! * 65536 + scratch[7]!);
    for (let i = 0; i < set.v6.length; i++) if (prefixEqual(scratch, set.v6[i]!)) return true;
    return false;
  }
  const v4 = parseIPv4(ip, 0, ip.length);
  return v4 >= 0 && inV4(set, v4);
}

function inV4(set: NetworkSet, v4: number): boolean {
  for (let i = 0; i < set.v4Base.length; i++) {
    if ((v4 & set.v4Mask[i]!) >>> 0 === set.v4Base[i]) return true;
  }
  return false;
}

function prefixEqual(addr: Uint16Array, net: Network6): boolean {
  for (let i = 0, left = net.bits; left > 0; i++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if (((addr[i]! ^ net.groups[i]!) & mask) !== 0) return false;
  }
  return true;
}

function isIPv4Mapped(g: Uint16Array): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
}

const DOT = 46;
const COLON = 58;

/** Dotted-decimal IPv4 in text[start, end) as an unsigned 32-bit number; -1 when it is not one. */
export function parseIPv4(text: string, start: number, end: number): number {
  let value = 0;
  let parts = 0;
  let i = start;
  while (parts < 4) {
    const from = i;
    let part = 0;
    while (i < end && i - from < 4) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      part = part * 10 + c;
      i++;
    }
    const len = i - from;
    // No leading zeros: "010" is octal to some parsers and decimal to others.
    if (len === 0 || len > 3 || part > 255 || (len > 1 && text.charCodeAt(from) === 48)) return -1;
    value = value * 256 + part;
    parts++;
    if (parts < 4) {
      if (i >= end || text.charCodeAt(i) !== DOT) return -1;
      i++;
    }
  }
  return i === end ? value : -1;
}

/** IPv6 text (with "::" and an optional dotted IPv4 tail) into out's 8 groups; false when not IPv6. */
export function parseIPv6(text: string, out: Uint16Array): boolean {
  const n = text.length;
  if (n < 2 || n > 45) return false;
  let i = 0;
  let g = 0;
  let gap = -1;
  if (text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    if (g === 8) return false;
    const from = i;
    let value = 0;
    while (i < n && i - from < 5) {
      const d = hexValue(text.charCodeAt(i));
      if (d < 0) break;
      value = value * 16 + d;
      i++;
    }
    if (i < n && text.charCodeAt(i) === DOT) {
      // An embedded IPv4 address takes the last two groups and ends the text.
      const v4 = g <= 6 ? parseIPv4(text, from, n) : -1;
      if (v4 < 0) return false;
      out[g++] = Math.floor(v4 / 65536);
      out[g++] = v4 % 65536;
      break;
    }
    const len = i - from;
    if (len === 0 || len > 4) return false;
    out[g++] = value;
    if (i === n) break;
    if (text.charCodeAt(i) !== COLON) return false;
    i++;
    if (i === n) return false;
    if (text.charCodeAt(i) === COLON) {
      if (gap >= 0) return false;
      gap = g;
      i++;
    }
  }
  if (gap < 0) return g === 8;
  // "::" stands for at least one zero group.
  if (g > 7) return false;
  const tail = g - gap;
  for (let k = 0; k < tail; k++) out[7 - k] = out[g - 1 - k]!;
  for (let k = gap; k < 8 - tail; k++) out[k] = 0;
  return true;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
