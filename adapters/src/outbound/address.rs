//! Which IP addresses an outbound fetch may reach: public unicast only. Everything an attacker
//! could aim a server-side request at is refused — loopback, private and unique-local,
//! link-local (with the 169.254.169.254 cloud metadata address), CGNAT, unspecified,
//! multicast, broadcast, reserved, documentation and benchmark ranges — and IPv6 forms that
//! embed an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by that address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// True when `ip` is a public unicast address an outbound fetch may connect to.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = a == 0 // "this network", with the unspecified 0.0.0.0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 169 && b == 254) // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224; // multicast 224/4, reserved 240/4, broadcast 255.255.255.255
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let [s0, s1, s2, s3, s4, s5, s6, s7] = ip.segments();
    let embedded = |hi: u16, lo: u16| {
        let [h1, h2] = hi.to_be_bytes();
        let [l1, l2] = lo.to_be_bytes();
        Ipv4Addr::new(h1, h2, l1, l2)
    };
    if s0 == 0 && s1 == 0 && s2 == 0 && s3 == 0 {
        // ::ffff:a.b.c.d is that IPv4 address; the rest of ::/64 (unspecified, loopback,
        // IPv4-compatible and -translated forms) is never a public destination.
        return s4 == 0 && s5 == 0xffff && is_public_v4(embedded(s6, s7));
    }
    if s0 == 0x64 && s1 == 0xff9b && s2 == 0 && s3 == 0 && s4 == 0 && s5 == 0 {
        return is_public_v4(embedded(s6, s7)); // NAT64 well-known prefix 64:ff9b::/96
    }
    if s0 == 0x2002 {
        return is_public_v4(embedded(s1, s2)); // 6to4
    }
    // 2000::/3 global unicast; excludes fc00::/7, fe80::/10, ff00::/8 and reserved space.
    let global_unicast = s0 & 0xe000 == 0x2000;
    // 2001::/23 IETF protocol assignments (Teredo, benchmarking) and 2001:db8::/32
    // documentation; 3fff::/20 documentation.
    let special = (s0 == 0x2001 && (s1 < 0x0200 || s1 == 0x0db8)) || s0 & 0xfff0 == 0x3ff0;
    global_unicast && !special
}

#[cfg(test)]
mod tests;
