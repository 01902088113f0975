//! Uploaded incidents and their camera clips.

use super::Repository;
use crate::media::VideoType;
use crate::{
    error::{Error, Result},
    models::{Action, ActionId, ActionWithClips, CLIPS_PER_ACTION, Clip, UserId},
};

impl Repository {
    /// Stores an action of `owner` with its clips, in the given order, all or nothing.
    ///
    /// A clip count outside [`CLIPS_PER_ACTION`] is [`Error::ClipCount`], a clip that is not an
    /// MP4/MOV or WebM/Matroska file (by its magic bytes) is [`Error::NotAVideo`]; both write
    /// nothing. An owner that does not exist is [`Error::ForeignKeyViolation`].
    pub async fn create_action(&self, owner: UserId, clips: Vec<Vec<u8>>) -> Result<ActionWithClips> {
        // Checked before the transaction starts: the schema cannot count an action's clips, and a
        // request that is bound to fail should not cost a round trip.
        if !CLIPS_PER_ACTION.contains(&clips.len()) {
            return Err(Error::ClipCount { count: clips.len() });
        }
        if let Some(index) = clips.iter().position(|clip| VideoType::detect(clip).is_none()) {
            return Err(Error::NotAVideo { number: index + 1 });
        }
        // Dropping `tx` on any `?` below rolls the whole action back.
        let mut tx = self.pool.begin().await?;
        let action = sqlx::query_as!(
            Action,
            r#"INSERT INTO action (user_id)
               VALUES ($1)
               RETURNING id AS "id: ActionId", user_id AS "user_id: UserId", created_at"#,
            owner.0,
        )
        .fetch_one(&mut *tx)
        .await?;
        let mut stored = Vec::with_capacity(clips.len());
        // One insert per clip (at most four) keeps ids in upload order, which reads rely on.
        for content in clips {
            let id = sqlx::query_scalar!(
                "INSERT INTO clip (action_id, content) VALUES ($1, $2) RETURNING id",
                action.id.0,
                &content,
            )
            .fetch_one(&mut *tx)
            .await?;
            stored.push(Clip { id, action_id: action.id, content });
        }
        tx.commit().await?;
        Ok(ActionWithClips { action, clips: stored })
    }

    /// The most recent action of `owner` with its clips, if they have any.
    pub async fn latest_action(&self, owner: UserId) -> Result<Option<ActionWithClips>> {
        let action = sqlx::query_as!(
            Action,
            r#"SELECT id AS "id: ActionId", user_id AS "user_id: UserId", created_at
               FROM action
               WHERE user_id = $1
               ORDER BY created_at DESC, id DESC
               LIMIT 1"#,
            owner.0,
        )
        .fetch_optional(&self.pool)
        .await?;
        match action {
            Some(action) => Ok(Some(self.with_clips(action).await?)),
            None => Ok(None),
        }
    }

    /// The action `id` with its clips if `owner` uploaded it; anyone else's is
    /// [`Error::NotFound`], so ids of other users' actions cannot be probed.
    pub async fn action_for_owner(&self, owner: UserId, id: ActionId) -> Result<ActionWithClips> {
        let action = sqlx::query_as!(
            Action,
            r#"SELECT id AS "id: ActionId", user_id AS "user_id: UserId", created_at
               FROM action
               WHERE id = $1 AND user_id = $2"#,
            id.0,
            owner.0,
        )
        .fetch_one(&self.pool)
        .await?;
        self.with_clips(action).await
    }

    /// Deletes every action of `owner`, with their clips and predictions; returns how many
    /// actions there were.
    pub async fn delete_actions(&self, owner: UserId) -> Result<u64> {
        let deleted = sqlx::query!("DELETE FROM action WHERE user_id = $1", owner.0)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(deleted)
    }

    async fn with_clips(&self, action: Action) -> Result<ActionWithClips> {
        let clips = sqlx::query_as!(
            Clip,
            r#"SELECT id, action_id AS "action_id: ActionId", content
               FROM clip
               WHERE action_id = $1
               ORDER BY id"#,
            action.id.0,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(ActionWithClips { action, clips })
    }
}
