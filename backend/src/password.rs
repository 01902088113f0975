//! Argon2id password hashes in PHC string form, computed off the async executor.

use argon2::{Argon2, PasswordHasher, PasswordVerifier, password_hash};

use crate::error::{Error, Result};

/// The hash a login for an unknown email is checked against, so that it costs one full argon2
/// run like a login for a known one and the response time does not tell which emails exist.
/// Its parameters must stay those of [`Argon2::default`]; a test checks that.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$LnAaT79Sl3uab/HEXltfVA$\
                          LpLDXPPU0LRz4zrvTdyWCjKJDSBghWvGW8DBdc6/J3o";

/// Hashes a password with argon2id's default (OWASP-recommended) parameters and a random salt.
pub(crate) async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    blocking(move || Ok(Argon2::default().hash_password(password.as_bytes())?.to_string())).await
}

/// Whether `password` matches `stored`, a PHC string; `None` (an unknown email) is checked
/// against [`DUMMY_HASH`] and never matches.
pub(crate) async fn verify(password: &str, stored: Option<String>) -> Result<bool> {
    let password = password.to_owned();
    blocking(move || {
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

/// Argon2 takes tens of milliseconds of CPU by design: run it on tokio's blocking pool so it
/// does not stall the other tasks of the executor thread.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        // The closure panicked: carry the panic on in the caller, where it belongs.
        Err(err) => std::panic::resume_unwind(err.into_panic()),
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
}
