//! Rule 3's fallback: the hostname against a Common Name, for certificates
//! without a subjectAltName extension.

use rustls::pki_types::{IpAddr, ServerName};

pub(super) fn cn_matches(cn: &str, name: &ServerName<'_>) -> bool {
    match name {
        ServerName::DnsName(dns) => dns_matches(cn, dns.as_ref()),
        ServerName::IpAddress(ip) => IpAddr::try_from(cn).map(|c| c == *ip).unwrap_or(false),
        _ => false,
    }
}

pub(super) fn dns_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
    let host = host.strip_suffix('.').unwrap_or(host);
    if pattern.is_empty() || host.is_empty() {
        return false;
    }
    if let Some(suffix) = pattern.strip_prefix("*.") {
        // The wildcard stands for exactly one whole, non-empty leftmost label,
        // and the rest must be at least two labels.
        if suffix.contains('*') || !suffix.contains('.') || IpAddr::try_from(host).is_ok() {
            return false;
        }
        return match host.split_once('.') {
            Some((label, rest)) => !label.is_empty() && rest.eq_ignore_ascii_case(suffix),
            None => false,
        };
    }
    !pattern.contains('*') && pattern.eq_ignore_ascii_case(host)
}
