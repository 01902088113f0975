//! What a user sees of an action: the action, its clips' ids and sizes, its prediction.

use sqlx::types::Json;

use super::Repository;
use crate::{
    error::{Error, Result},
    models::{
        Action, ActionId, ActionOverview, ClipInfo, FoulModelResults, Prediction, SeverityModelResults,
        UserId, Verdict,
    },
};

impl Repository {
    /// The most recent action of `owner` with its clips' ids and sizes and its prediction, if
    /// they have any action: one query, and no clip bytes leave the database.
    pub async fn latest_action_overview(&self, owner: UserId) -> Result<Option<ActionOverview>> {
        self.overview(owner, None).await
    }

    /// The action `id` as [`Repository::latest_action_overview`] shows it, if `owner` uploaded
    /// it; anyone else's is [`Error::NotFound`], like an action that does not exist.
    pub async fn action_overview_for_owner(&self, owner: UserId, id: ActionId) -> Result<ActionOverview> {
        self.overview(owner, Some(id)).await?.ok_or(Error::NotFound)
    }

    /// `owner`'s action `id`, or with `None` their newest one. One statement serves both so that
    /// the two reads can never drift apart.
    async fn overview(&self, owner: UserId, id: Option<ActionId>) -> Result<Option<ActionOverview>> {
        // `octet_length` of a bytea reads the stored length without fetching (or decompressing)
        // the value; the clip bytes themselves are served one at a time by `clip_for_owner`.
        let row = sqlx::query!(
            r#"SELECT a.id AS "id: ActionId", a.user_id AS "user_id: UserId", a.created_at,
                      ARRAY(SELECT c.id FROM clip c WHERE c.action_id = a.id ORDER BY c.id)
                          AS "clip_ids!",
                      ARRAY(SELECT octet_length(c.content)::bigint
                            FROM clip c WHERE c.action_id = a.id ORDER BY c.id)
                          AS "clip_sizes!",
                      p.id AS "prediction_id?", p.is_foul AS "is_foul?",
                      p.foul_confidence AS "foul_confidence?",
                      p.no_foul_confidence AS "no_foul_confidence?",
                      p.no_card_confidence AS "no_card_confidence?",
                      p.red_card_confidence AS "red_card_confidence?",
                      p.yellow_card_confidence AS "yellow_card_confidence?",
                      p.foul_model_results AS "foul_model_results?: Json<FoulModelResults>",
                      p.severity_model_results
                          AS "severity_model_results?: Json<SeverityModelResults>"
               FROM action a
               LEFT JOIN prediction p ON p.action_id = a.id
               WHERE a.user_id = $1 AND ($2::bigint IS NULL OR a.id = $2)
               ORDER BY a.created_at DESC, a.id DESC
               LIMIT 1"#,
            owner.0,
            id.map(|id| id.0),
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let action = Action { id: row.id, user_id: row.user_id, created_at: row.created_at };
        // The prediction's columns are all NULL (no prediction yet) or all set (NOT NULL columns).
        let prediction = (|| {
            Some(Prediction {
                id: row.prediction_id?,
                action_id: action.id,
                verdict: Verdict {
                    is_foul: row.is_foul?,
                    foul_confidence: row.foul_confidence?,
                    no_foul_confidence: row.no_foul_confidence?,
                    no_card_confidence: row.no_card_confidence?,
                    red_card_confidence: row.red_card_confidence?,
                    yellow_card_confidence: row.yellow_card_confidence?,
                    foul_model_results: row.foul_model_results?.0,
                    severity_model_results: row.severity_model_results?.0,
                },
            })
        })();
        let clips =
            row.clip_ids.into_iter().zip(row.clip_sizes).map(|(id, size)| ClipInfo { id, size }).collect();
        Ok(Some(ActionOverview { action, clips, prediction }))
    }
}
