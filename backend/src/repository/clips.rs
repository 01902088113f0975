//! One clip's video file, for its owner.

use super::Repository;
use crate::{
    error::{Error, Result},
    models::{ActionId, Clip, UserId},
};

impl Repository {
    /// The clip `id` with its bytes if `owner` uploaded its action; anyone else's is
    /// [`Error::NotFound`], like a clip that does not exist.
    pub async fn clip_for_owner(&self, owner: UserId, id: i64) -> Result<Clip> {
        let clip = sqlx::query_as!(
            Clip,
            r#"SELECT c.id, c.action_id AS "action_id: ActionId", c.content
               FROM clip c
               JOIN action a ON a.id = c.action_id
               WHERE c.id = $1 AND a.user_id = $2"#,
            id,
            owner.0,
        )
        .fetch_optional(&self.pool)
        .await?;
        clip.ok_or(Error::NotFound)
    }
}
