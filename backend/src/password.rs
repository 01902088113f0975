//! Argon2id password hashes in PHC string form, computed off the async executor and at most one
//! per core at a time; and the hashes the old Python app stored (bcrypt, werkzeug's and
//! passlib's PBKDF2-SHA256), accepted at login so that they can be replaced with argon2id.

use std::sync::Arc;

use argon2::{Argon2, PasswordHasher, PasswordVerifier, password_hash};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};

/// The hash a login for an unknown email is checked against, so that it costs one full argon2
/// run like a login for a known one and the response time does not tell which emails exist.
/// Its parameters must stay those of [`Argon2::default`]; a test checks that.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$LnAaT79Sl3uab/HEXltfVA$\
                          LpLDXPPU0LRz4zrvTdyWCjKJDSBghWvGW8DBdc6/J3o";

/// Hashes and verifies passwords; cheap to clone, and every clone shares one bound.
///
/// Each argon2 run takes 19 MiB and ~30 ms of a core: the bound (one run per core) makes a burst
/// of logins queue here instead of taking all memory and every core. The permit is taken inside
/// [`Hasher::hash`] and [`Hasher::verify`], so no caller can forget it.
#[derive(Debug, Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    /// A hasher running at most one argon2 per core at a time.
    pub fn new() -> Hasher {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Hasher { permits: Arc::new(Semaphore::new(cores)) }
    }

    /// Hashes a password with argon2id's default (OWASP-recommended) parameters and a random salt.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let password = password.to_owned();
        self.run(move || Ok(Argon2::default().hash_password(password.as_bytes())?.to_string())).await
    }

    /// Whether `password` matches `stored`: an argon2id PHC string, or one of the legacy formats
    /// ([`Verified::Legacy`], to be rehashed). `None` (an unknown email) is checked against a
    /// dummy hash, at the same cost, and never matches.
    pub async fn verify(&self, password: &str, stored: Option<String>) -> Result<Verified> {
        let password = password.to_owned();
        self.run(move || {
            let known = stored.is_some();
            let stored = stored.as_deref().unwrap_or(DUMMY_HASH);
            let matched = |ok: bool, legacy: bool| match (ok && known, legacy) {
                (false, _) => Verified::Mismatch,
                (true, false) => Verified::Match,
                (true, true) => Verified::Legacy,
            };
            if stored.starts_with("$argon2") {
                if password_hash::phc::PasswordHash::new(stored).is_err() {
                    return Ok(Verified::UnknownFormat);
                }
                return match Argon2::default().verify_password(password.as_bytes(), stored) {
                    Ok(()) => Ok(matched(true, false)),
                    Err(password_hash::Error::PasswordInvalid) => Ok(Verified::Mismatch),
                    Err(err) => Err(Error::PasswordHash(err)),
                };
            }
            Ok(match legacy::verify(password.as_bytes(), stored) {
                Some(ok) => matched(ok, true),
                None => Verified::UnknownFormat,
            })
        })
        .await
    }

    /// Runs `work` on tokio's blocking pool, so that argon2 does not stall the other tasks of the
    /// executor thread, holding a permit until it finishes (even if the caller stops waiting).
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> T {
        let permit = self.permits.clone().acquire_owned().await.expect("the semaphore is never closed");
        let work = move || {
            let _permit = permit;
            work()
        };
        match tokio::task::spawn_blocking(work).await {
            Ok(value) => value,
            // The closure panicked: carry the panic on in the caller, where it belongs.
            Err(err) => std::panic::resume_unwind(err.into_panic()),
        }
    }
}

/// What [`Hasher::verify`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// The password matches an argon2id hash.
    Match,
    /// The password matches a legacy hash, which should now be replaced by an argon2id one.
    Legacy,
    /// The password does not match (or the email is unknown).
    Mismatch,
    /// The stored hash is in no format this server knows: the login is refused.
    UnknownFormat,
}

/// The hash formats a Python web stack writes, verified without their libraries.
mod legacy {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    use sha2::Sha256;

    /// Whether `password` matches `stored`; `None` when `stored` is in none of the formats.
    pub fn verify(password: &[u8], stored: &str) -> Option<bool> {
        if ["$2a$", "$2b$", "$2y$"].iter().any(|prefix| stored.starts_with(prefix)) {
            return bcrypt::verify(password, stored).ok();
        }
        if let Some(rest) = stored.strip_prefix("pbkdf2:sha256:") {
            // werkzeug: pbkdf2:sha256:<iterations>$<salt, used as UTF-8 text>$<hex digest>
            let mut parts = rest.split('$');
            let (rounds, salt, digest) = (parts.next()?, parts.next()?, parts.next()?);
            return Some(pbkdf2_matches(password, salt.as_bytes(), rounds.parse().ok()?, &hex(digest)?));
        }
        if let Some(rest) = stored.strip_prefix("$pbkdf2-sha256$") {
            // passlib: $pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 digest>, ab64 being base64
            // with `.` for `+` and no padding.
            let mut parts = rest.split('$');
            let (rounds, salt, digest) = (parts.next()?, parts.next()?, parts.next()?);
            let ab64 = |text: &str| STANDARD_NO_PAD.decode(text.replace('.', "+")).ok();
            return Some(pbkdf2_matches(password, &ab64(salt)?, rounds.parse().ok()?, &ab64(digest)?));
        }
        None
    }

    fn pbkdf2_matches(password: &[u8], salt: &[u8], rounds: u32, expected: &[u8]) -> bool {
        if expected.is_empty() || rounds == 0 {
            return false;
        }
        let mut computed = vec![0u8; expected.len()];
        pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, &mut computed);
        // Constant time: every byte is compared whatever the first difference.
        computed.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }

    fn hex(text: &str) -> Option<Vec<u8>> {
        if !text.len().is_multiple_of(2) {
            return None;
        }
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        // Written by werkzeug 3 (`generate_password_hash("admin@admin.com", "pbkdf2:sha256:1000")`),
        // passlib 1.7 (`pbkdf2_sha256.using(rounds=1000).hash(...)`) and Python's bcrypt 5.
        const WERKZEUG: &str = "pbkdf2:sha256:1000$NpoUl6KR9aVAlAec$f92f4a04d78040c2d3184b2f594a48066ece2077463bd666264e6f51ca410072";
        const PASSLIB: &str =
            "$pbkdf2-sha256$1000$ZKzVWsu5955zzrm3NqbUeg$ci4vlUgwNodWLs58Byah2PfBsTbFgm7rDUcsqwW2zRI";
        const BCRYPT: &str = "$2b$04$BWcGBtxeIp7blcj7H0J.ou1eaaKmmSeO50XGnRSvpvs.UYaYHPe96";

        #[test]
        fn python_hashes_verify() {
            for stored in [WERKZEUG, PASSLIB, BCRYPT] {
                assert_eq!(verify(b"admin@admin.com", stored), Some(true), "{stored}");
                assert_eq!(verify(b"wrong", stored), Some(false), "{stored}");
            }
            assert_eq!(verify(b"x", "md5$abc$def"), None);
            assert_eq!(verify(b"x", "pbkdf2:sha256:many$salt$00"), None);
        }
    }
}

impl Default for Hasher {
    fn default() -> Hasher {
        Hasher::new()
    }
}

#[cfg(test)]
mod tests {
    use argon2::{Params, PasswordHash, Version};

    use super::*;

    #[test]
    fn dummy_hash_has_the_parameters_real_hashes_get() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(dummy.algorithm, argon2::ARGON2ID_IDENT);
        assert_eq!(dummy.version, Some(Version::default().into()));
        let (params, default) = (Params::try_from(&dummy).unwrap(), Params::default());
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (default.m_cost(), default.t_cost(), default.p_cost())
        );
        let output_len = |p: &Params| p.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        assert_eq!(output_len(&params), output_len(&default));
    }

    #[tokio::test]
    async fn every_run_holds_a_permit_until_it_ends() {
        let hasher = Hasher { permits: Arc::new(Semaphore::new(1)) };
        let clone = hasher.clone();
        let (started, wait) = std::sync::mpsc::channel();
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn(async move {
            clone
                .run(move || {
                    started.send(()).unwrap();
                    blocked.recv().unwrap();
                })
                .await
        });
        tokio::task::spawn_blocking(move || wait.recv().unwrap()).await.unwrap();
        assert_eq!(hasher.permits.available_permits(), 0, "a clone shares the bound");
        release.send(()).unwrap();
        first.await.unwrap();
        assert_eq!(hasher.permits.available_permits(), 1);
    }
}
