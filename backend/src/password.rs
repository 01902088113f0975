//! Argon2id password hashes in PHC string form, computed off the async executor and at most one
//! per core at a time.

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

    /// Whether `password` matches `stored`, a PHC string; `None` (an unknown email) is checked
    /// against a dummy hash, at the same cost, and never matches.
    pub async fn verify(&self, password: &str, stored: Option<String>) -> Result<bool> {
        let password = password.to_owned();
        self.run(move || {
            let known = stored.is_some();
            let phc = stored.as_deref().unwrap_or(DUMMY_HASH);
            match Argon2::default().verify_password(password.as_bytes(), phc) {
                Ok(()) => Ok(known),
                Err(password_hash::Error::PasswordInvalid) => Ok(false),
                // A stored hash that does not parse is corrupt data, not a wrong password.
                Err(err) => Err(Error::PasswordHash(err)),
            }
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
