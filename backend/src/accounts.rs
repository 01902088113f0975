//! Registration and login: the [`Hasher`] and the [`Repository`] together, so that the
//! repository only stores hashes and the hasher never touches the database.

use crate::error::{Error, Result};
use crate::models::User;
use crate::password::{Hasher, Verified};
use crate::repository::Repository;

/// Registers a user with an argon2id hash of `password`; a taken email is
/// [`Error::EmailTaken`].
pub async fn register(repo: &Repository, hasher: &Hasher, email: &str, password: &str) -> Result<User> {
    let hash = hasher.hash(password).await?;
    repo.create_user(email, &hash).await
}

/// The user if `password` is theirs; an unknown email and a wrong password both give
/// [`Error::InvalidCredentials`] after the same amount of argon2 work.
///
/// A user the old Python app created has a bcrypt or PBKDF2 hash: it is accepted, and replaced
/// with an argon2id hash of the same password. A hash in no known format refuses the login
/// (one server log line says which user), like a wrong password.
pub async fn login(repo: &Repository, hasher: &Hasher, email: &str, password: &str) -> Result<User> {
    let (user, stored_hash) = match repo.find_user_with_password_hash(email).await? {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    match (hasher.verify(password, stored_hash).await?, user) {
        (Verified::Match, Some(user)) => Ok(user),
        (Verified::Legacy, Some(user)) => {
            let hash = hasher.hash(password).await?;
            // The login stands even if the upgrade fails: the next one tries again.
            if let Err(err) = repo.set_password_hash(user.id, &hash).await {
                eprintln!(
                    "login: could not rehash user {}'s legacy password hash to argon2id: {err}",
                    user.id.0
                );
            }
            Ok(user)
        }
        (Verified::UnknownFormat, Some(user)) => {
            eprintln!(
                "login: user {} has a password hash in no known format (argon2id, bcrypt, PBKDF2-SHA256); refused",
                user.id.0
            );
            Err(Error::InvalidCredentials)
        }
        _ => Err(Error::InvalidCredentials),
    }
}
