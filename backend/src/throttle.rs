//! The login throttle's policy: how many failed logins an account or a client address gets
//! before each further attempt waits, and how that wait grows. The counters themselves live in
//! the database (`login_throttle`), so that every backend process sharing it counts the same
//! guesses; see [`Repository::admit_login`](crate::Repository::admit_login).

use std::net::IpAddr;
use std::time::Duration;

/// The limits on failed logins. After `account_failures` failures for one email (or
/// `address_failures` from one client address), the next attempt is refused for `first_lock`,
/// and each further failure doubles that, up to `longest_lock`. Failures are forgotten
/// `forget_after` their last one, and an account's on its next successful login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failed logins for one email before it is locked.
    pub account_failures: i32,
    /// Failed logins from one client address (an IPv6 /64) before it is locked: more than for an
    /// account, as a NAT or an office shares one address.
    pub address_failures: i32,
    /// The first lock.
    pub first_lock: Duration,
    /// The longest lock, however many failures follow.
    pub longest_lock: Duration,
    /// How long after its last failure a counter starts again from zero; longer than
    /// `longest_lock`, so that waiting out the locks never resets them.
    pub forget_after: Duration,
}

impl Default for ThrottlePolicy {
    /// 5 failures per email, 20 per address, then 1 s, 2 s, 4 s, ... up to 15 min; forgotten
    /// after 1 h without a failure.
    fn default() -> ThrottlePolicy {
        ThrottlePolicy {
            account_failures: 5,
            address_failures: 20,
            first_lock: Duration::from_secs(1),
            longest_lock: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(60 * 60),
        }
    }
}

/// What the throttle counts a client address as: the address itself for IPv4, its /64 for IPv6
/// (one subscriber usually holds a whole /64), and an IPv4-mapped IPv6 address as the IPv4 one.
pub fn address_subject(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        let subject = |s: &str| address_subject(s.parse().unwrap());
        assert_eq!(subject("203.0.113.7"), "203.0.113.7");
        assert_eq!(subject("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(subject("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(subject("2001:db8:1:2:bbbb::9"), subject("2001:db8:1:2::1"));
        assert_ne!(subject("2001:db8:1:3::1"), subject("2001:db8:1:2::1"));
    }

    #[test]
    fn the_default_locks_never_outlast_the_memory_of_failures() {
        let policy = ThrottlePolicy::default();
        assert!(policy.longest_lock < policy.forget_after);
    }
}
