import { isIPv4, isIPv6 } from 'node:net';

/**
 * ANONYMIZE_IP: keeps the network, drops the host: IPv4 to its /24 (`203.0.113.0`), IPv6 to its
 * /48 (`2001:db8:1::`). IPv4-mapped IPv6 addresses are treated as IPv4.
 */
export function anonymizeIp(ip: string): string {
  const plain = unmapIpv4(ip);
  if (isIPv4(plain)) return plain.split('.').slice(0, 3).concat('0').join('.');
  if (isIPv6(plain)) {
    const groups = expandIpv6(plain)
      .slice(0, 3)
      .map((group) => group.replace(/^0+(?=.)/, ''));
    return `${groups.join(':')}::`;
  }
  return plain;
}

/** `::ffff:203.0.113.7` (how Node reports IPv4 clients on a dual-stack socket) becomes `203.0.113.7`. */
export function unmapIpv4(ip: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return match ? match[1]! : ip;
}

function expandIpv6(ip: string): string[] {
  const withoutZone = ip.split('%')[0]!;
  const [head, tail] = withoutZone.includes('::') ? withoutZone.split('::') : [withoutZone, undefined];
  const headGroups = head ? head.split(':') : [];
  let tailGroups = tail !== undefined && tail !== '' ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4 forms not caught above) counts as two groups.
  const last = tailGroups.at(-1) ?? headGroups.at(-1);
  if (last && last.includes('.')) {
    const octets = last.split('.').map(Number);
    const pair = [((octets[0]! << 8) | octets[1]!).toString(16), ((octets[2]! << 8) | octets[3]!).toString(16)];
    if (tailGroups.length) tailGroups = [...tailGroups.slice(0, -1), ...pair];
    else headGroups.splice(-1, 1, ...pair);
  }
  const missing = 8 - headGroups.length - tailGroups.length;
  return [...headGroups, ...Array.from({ length: Math.max(0, missing) }, () => '0'), ...tailGroups].map(
    (g) => g || '0',
  );
}
