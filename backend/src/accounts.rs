//! Registration and login: the [`Hasher`] and the [`Repository`] together, so that the
//! repository only stores hashes and the hasher never touches the database.

use crate::error::{Error, Result};
use crate::models::User;
use crate::password::Hasher;
use crate::repository::Repository;

/// Registers a user with an argon2id hash of `password`; a taken email is
/// [`Error::EmailTaken`].
pub async fn register(repo: &Repository, hasher: &Hasher, email: &str, password: &str) -> Result<User> {
    let hash = hasher.hash(password).await?;
    repo.create_user(email, &hash).await
}

/// The user if `password` is theirs; an unknown email and a wrong password both give
/// [`Error::InvalidCredentials`] after the same amount of argon2 work.
pub async fn login(repo: &Repository, hasher: &Hasher, email: &str, password: &str) -> Result<User> {
    let (user, stored_hash) = match repo.find_user_with_password_hash(email).await? {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    match (hasher.verify(password, stored_hash).await?, user) {
        (true, Some(user)) => Ok(user),
        _ => Err(Error::InvalidCredentials),
    }
}
