//! Accounts and logins.

use super::Repository;
use crate::{
    error::{Error, Result},
    models::{User, UserId},
    password,
};

impl Repository {
    /// Registers a user with an argon2id hash of `password`; a taken email is
    /// [`Error::EmailTaken`].
    pub async fn create_user(&self, email: &str, password: &str) -> Result<User> {
        let hash = password::hash(password).await?;
        let user = sqlx::query_as!(
            User,
            r#"INSERT INTO user_account (email, password)
               VALUES ($1, $2)
               RETURNING id AS "id: UserId", email, created_at"#,
            email,
            hash,
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(user)
    }

    /// The user with exactly this email, if any.
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let user = sqlx::query_as!(
            User,
            r#"SELECT id AS "id: UserId", email, created_at
               FROM user_account
               WHERE email = $1"#,
            email,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(user)
    }

    /// The user if `password` is theirs; an unknown email and a wrong password both give
    /// [`Error::InvalidCredentials`] after the same amount of argon2 work.
    pub async fn verify_login(&self, email: &str, password: &str) -> Result<User> {
        let row = sqlx::query!(
            r#"SELECT id AS "id: UserId", email, password, created_at
               FROM user_account
               WHERE email = $1"#,
            email,
        )
        .fetch_optional(&self.pool)
        .await?;
        let (user, stored_hash) = match row {
            Some(row) => {
                let user = User { id: row.id, email: row.email, created_at: row.created_at };
                (Some(user), Some(row.password))
            }
            None => (None, None),
        };
        match (password::verify(password, stored_hash).await?, user) {
            (true, Some(user)) => Ok(user),
            _ => Err(Error::InvalidCredentials),
        }
    }
}
