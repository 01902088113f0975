//! Accounts: users and their stored password hashes. Hashing itself is
//! [`Hasher`](crate::password::Hasher)'s; [`crate::accounts`] puts the two together.
//!
//! Emails are compared as the schema's unique index normalises them, `lower(normalize(email,
//! NFKC))`: in the database, so the lookups, the index and the migrations share one definition,
//! and the index serves the lookups.

use super::Repository;
use crate::{
    error::Result,
    models::{User, UserId},
};

impl Repository {
    /// Stores a user with `password_hash`, a PHC string, and the email as given; an email taken
    /// in any case or Unicode form is [`Error::EmailTaken`](crate::Error::EmailTaken).
    pub async fn create_user(&self, email: &str, password_hash: &str) -> Result<User> {
        let user = sqlx::query_as!(
            User,
            r#"INSERT INTO user_account (email, password)
               VALUES ($1, $2)
               RETURNING id AS "id: UserId", email, created_at"#,
            email,
            password_hash,
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(user)
    }

    /// The user with this email in any case or Unicode form, if any.
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let user = sqlx::query_as!(
            User,
            r#"SELECT id AS "id: UserId", email, created_at
               FROM user_account
               WHERE lower(normalize(email, NFKC)) = lower(normalize($1, NFKC))"#,
            email,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(user)
    }

    /// The user with this email in any case or Unicode form and their stored password hash, if
    /// any.
    pub async fn find_user_with_password_hash(&self, email: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query!(
            r#"SELECT id AS "id: UserId", email, password, created_at
               FROM user_account
               WHERE lower(normalize(email, NFKC)) = lower(normalize($1, NFKC))"#,
            email,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| (User { id: row.id, email: row.email, created_at: row.created_at }, row.password)))
    }

    /// Replaces `user`'s password hash (a legacy one, upgraded to argon2id at login).
    pub async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<()> {
        sqlx::query!("UPDATE user_account SET password = $1 WHERE id = $2", hash, user.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
