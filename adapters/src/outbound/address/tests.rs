use super::*;
use proptest::prelude::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn refuses_every_non_public_range() {
    for bad in [
        "0.0.0.0",
        "0.1.2.3",
        "10.0.0.1",
        "10.255.255.255",
        "100.64.0.1",
        "100.127.255.254",
        "127.0.0.1",
        "127.1.2.3",
        "169.254.169.254",
        "169.254.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "192.88.99.1",
        "192.168.1.1",
        "198.18.0.1",
        "198.19.255.255",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "::ffff:0:127.0.0.1",
        "64:ff9b::10.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
        "2002:a9fe:a9fe::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "febf::1",
        "fec0::1",
        "ff02::1",
        "2001:db8::1",
        "2001::1",
        "2001:2::1",
        "3fff::1",
        "100::1",
    ] {
        assert!(!is_public(ip(bad)), "{bad} must be refused");
    }
}

#[test]
fn allows_public_unicast() {
    for good in [
        "1.1.1.1",
        "8.8.8.8",
        "93.184.216.34",
        "100.63.255.255",
        "100.128.0.1",
        "172.15.255.255",
        "172.32.0.1",
        "192.169.0.1",
        "198.20.0.1",
        "223.255.255.254",
        "2606:4700:4700::1111",
        "2a00:1450:4001::200e",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ] {
        assert!(is_public(ip(good)), "{good} is public");
    }
}

proptest! {
    /// An IPv4-mapped IPv6 address is judged exactly as the IPv4 address it carries, and so
    /// are its NAT64 and 6to4 forms.
    #[test]
    fn embedded_ipv4_forms_agree_with_ipv4(bits in any::<u32>()) {
        let v4 = Ipv4Addr::from(bits);
        let expected = is_public(IpAddr::V4(v4));
        prop_assert_eq!(is_public(IpAddr::V6(v4.to_ipv6_mapped())), expected);
        let [a, b, c, d] = v4.octets();
        let nat64 = Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d]));
        prop_assert_eq!(is_public(IpAddr::V6(nat64)), expected);
        let six_to_four = Ipv6Addr::new(0x2002, u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d]), 0, 0, 0, 0, 1);
        prop_assert_eq!(is_public(IpAddr::V6(six_to_four)), expected);
        // The deprecated IPv4-compatible form is refused whatever it carries.
        prop_assert!(!is_public(IpAddr::V6(v4.to_ipv6_compatible())));
    }

    /// Every address of the private, loopback, link-local and CGNAT IPv4 blocks is refused.
    #[test]
    fn private_ipv4_blocks_are_refused(host in any::<u32>()) {
        for (net, prefix) in [(0x0a00_0000u32, 8), (0x7f00_0000, 8), (0xac10_0000, 12),
                              (0xc0a8_0000, 16), (0xa9fe_0000, 16), (0x6440_0000, 10)] {
            let addr = net | (host >> prefix);
            prop_assert!(!is_public(IpAddr::V4(Ipv4Addr::from(addr))), "{}", Ipv4Addr::from(addr));
        }
    }

    /// Unique-local, link-local and multicast IPv6 are refused wherever in the block.
    #[test]
    fn local_ipv6_blocks_are_refused(bits in any::<u128>()) {
        for (net, prefix) in [(0xfc00u128 << 112, 7), (0xfe80u128 << 112, 10), (0xff00u128 << 112, 8)] {
            let addr = net | (bits >> prefix);
            prop_assert!(!is_public(IpAddr::V6(Ipv6Addr::from(addr))), "{}", Ipv6Addr::from(addr));
        }
    }
}
