//! Which address a request comes from, and which address its buckets are kept for.

use actix_web::HttpRequest;
use std::net::{IpAddr, Ipv6Addr};

/// The client's address as the limits and the audit log see it: with
/// `trust_forwarded_for`, the rightmost entry of all `X-Forwarded-For` lines together (the
/// one the trusted proxy added; anything to its left came from the client and may be
/// forged), else the peer.
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .last()
            .and_then(|v| v.parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    req.peer_addr().map(|a| a.ip())
}

/// The address a bucket is kept for: IPv4 as is, IPv6 cut to its /64 (one subscriber's
/// network: a single host can use every address in it).
pub(super) fn bucket_address(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
    }
}
