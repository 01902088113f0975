//! The login throttle's counters, shared by every backend process on the database.
//!
//! An attempt is charged as a failure *before* its password is checked, and refunded when it
//! succeeds: concurrent guesses (from one process or many) each see the ones before them, so at
//! most the policy's number of failures ever get checked before the lock. The rows of both
//! subjects are locked in one fixed order (account, then address) for the few statements that
//! read and charge them, so concurrent attempts neither lose updates nor deadlock. Every time is
//! the database's `now()`: the processes' clocks never have to agree.

use std::time::Duration;

use super::Repository;
use crate::error::Result;
use crate::throttle::{ThrottlePolicy, address_subject};

/// Whether a login may be tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Tried, and already counted as a failure until [`Repository::login_succeeded`] refunds it.
    Admitted(ChargedAttempt),
    /// Refused without checking the password: the account or the address is locked.
    Refused {
        /// How long until it is unlocked, rounded up to whole seconds.
        retry_after: Duration,
    },
}

/// An admitted attempt: the subjects it was charged to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargedAttempt {
    account: String,
    address: String,
}

impl Repository {
    /// Admits a login for `email` from `address` and charges it as a failure, or refuses it while
    /// either is locked (refusals are not counted). The email is counted as the schema
    /// normalises it (NFKC, lower case), by its SHA-256, so no email is kept in clear here.
    pub async fn admit_login(
        &self,
        policy: &ThrottlePolicy,
        email: &str,
        address: std::net::IpAddr,
    ) -> Result<Admission> {
        let address = address_subject(address);
        let mut tx = self.pool.begin().await?;
        // Creates the two rows if needed and locks them, in this order, until the commit; a
        // no-op update is what makes `ON CONFLICT` lock and return an existing row.
        let rows = sqlx::query!(
            r#"INSERT INTO login_throttle AS t (scope, subject)
               VALUES ('account', encode(sha256(convert_to(lower(normalize($1, NFKC)), 'UTF8')), 'hex')),
                      ('address', $2)
               ON CONFLICT (scope, subject) DO UPDATE SET failures = t.failures
               RETURNING t.scope, t.subject,
                         CASE WHEN t.locked_until > now()
                              THEN ceil(extract(epoch FROM t.locked_until - now()))::bigint
                              ELSE 0 END AS "wait!""#,
            email,
            address,
        )
        .fetch_all(&mut *tx)
        .await?;
        let wait = rows.iter().map(|row| row.wait).max().unwrap_or(0);
        if wait > 0 {
            tx.rollback().await?;
            return Ok(Admission::Refused { retry_after: Duration::from_secs(wait.unsigned_abs()) });
        }
        let account = rows.into_iter().find(|row| row.scope == "account").map(|row| row.subject);
        let account = account.expect("the insert returns the account's row");
        sqlx::query!(
            r#"UPDATE login_throttle AS t
               SET failures = c.failures,
                   locked_until = CASE WHEN c.failures >= c.lock_after THEN now() + least(
                       make_interval(secs => $5::float8 * 2.0::float8 ^ least(c.failures - c.lock_after, 30)::float8),
                       make_interval(secs => $6::float8)) END,
                   last_failure_at = now()
               FROM (SELECT s.scope, s.subject, s.lock_after,
                            CASE WHEN o.last_failure_at < now() - make_interval(secs => $7::float8)
                                 THEN 1 ELSE o.failures + 1 END AS failures
                     FROM (VALUES ('account', $1::text, $3::int), ('address', $2::text, $4::int))
                          AS s (scope, subject, lock_after)
                     JOIN login_throttle o USING (scope, subject)) AS c
               WHERE t.scope = c.scope AND t.subject = c.subject"#,
            account,
            address,
            policy.account_failures,
            policy.address_failures,
            policy.first_lock.as_secs_f64(),
            policy.longest_lock.as_secs_f64(),
            policy.forget_after.as_secs_f64(),
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Admission::Admitted(ChargedAttempt { account, address }))
    }

    /// Refunds an admitted attempt that succeeded: the account's failures are forgotten, the
    /// address's count goes back by one (not to zero: one good account must not wipe the
    /// guesses made at others), unlocking it if that takes it below the limit. Two statements
    /// that lock one row each, so that no order of locks can deadlock with an admission.
    pub async fn login_succeeded(&self, policy: &ThrottlePolicy, attempt: &ChargedAttempt) -> Result<()> {
        sqlx::query!("DELETE FROM login_throttle WHERE scope = 'account' AND subject = $1", attempt.account)
            .execute(&self.pool)
            .await?;
        sqlx::query!(
            r#"UPDATE login_throttle
               SET failures = failures - 1,
                   locked_until = CASE WHEN failures - 1 < $2 THEN NULL ELSE locked_until END
               WHERE scope = 'address' AND subject = $1 AND failures > 0"#,
            attempt.address,
            policy.address_failures,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes up to 100 counters that are unlocked and whose last failure is older than the
    /// policy remembers, so that guesses at random emails do not grow the table for ever;
    /// counters another attempt holds are skipped.
    pub async fn forget_login_failures(&self, policy: &ThrottlePolicy) -> Result<u64> {
        let deleted = sqlx::query!(
            r#"DELETE FROM login_throttle
               WHERE (scope, subject) IN (
                   SELECT scope, subject FROM login_throttle
                   WHERE last_failure_at < now() - make_interval(secs => $1::float8)
                     AND (locked_until IS NULL OR locked_until <= now())
                   ORDER BY last_failure_at
                   LIMIT 100
                   FOR UPDATE SKIP LOCKED)"#,
            policy.forget_after.as_secs_f64(),
        )
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(deleted)
    }
}
