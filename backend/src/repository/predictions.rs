//! The models' verdict on an action.

use sqlx::types::Json;

use super::Repository;
use crate::{
    error::{Error, Result},
    models::{ActionId, FoulModelResults, Prediction, SeverityModelResults, UserId, Verdict},
};

impl Repository {
    /// Stores the verdict on `action`, which is not owner-checked: the inference side calls this,
    /// not a user.
    ///
    /// A second verdict is [`Error::PredictionExists`]; a confidence outside [0, 1] is
    /// [`Error::CheckViolation`] naming the column's constraint; an unknown action is
    /// [`Error::ForeignKeyViolation`].
    pub async fn store_prediction(&self, action: ActionId, verdict: &Verdict) -> Result<Prediction> {
        let id = sqlx::query_scalar!(
            "INSERT INTO prediction (
                 action_id, is_foul,
                 foul_confidence, no_foul_confidence,
                 no_card_confidence, red_card_confidence, yellow_card_confidence,
                 foul_model_results, severity_model_results
             )
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             RETURNING id",
            action.0,
            verdict.is_foul,
            verdict.foul_confidence,
            verdict.no_foul_confidence,
            verdict.no_card_confidence,
            verdict.red_card_confidence,
            verdict.yellow_card_confidence,
            Json(&verdict.foul_model_results) as _,
            Json(&verdict.severity_model_results) as _,
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Prediction { id, action_id: action, verdict: verdict.clone() })
    }

    /// The prediction for `action` if `owner` uploaded it: `None` while the models have not
    /// answered yet, [`Error::NotFound`] for an action that is not theirs.
    pub async fn prediction_for_owner(&self, owner: UserId, action: ActionId) -> Result<Option<Prediction>> {
        let row = sqlx::query!(
            r#"SELECT p.id, p.action_id AS "action_id: ActionId", p.is_foul,
                      p.foul_confidence, p.no_foul_confidence,
                      p.no_card_confidence, p.red_card_confidence, p.yellow_card_confidence,
                      p.foul_model_results AS "foul_model_results: Json<FoulModelResults>",
                      p.severity_model_results
                          AS "severity_model_results: Json<SeverityModelResults>"
               FROM prediction p
               JOIN action a ON a.id = p.action_id
               WHERE p.action_id = $1 AND a.user_id = $2"#,
            action.0,
            owner.0,
        )
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = row {
            return Ok(Some(Prediction {
                id: row.id,
                action_id: row.action_id,
                verdict: Verdict {
                    is_foul: row.is_foul,
                    foul_confidence: row.foul_confidence,
                    no_foul_confidence: row.no_foul_confidence,
                    no_card_confidence: row.no_card_confidence,
                    red_card_confidence: row.red_card_confidence,
                    yellow_card_confidence: row.yellow_card_confidence,
                    foul_model_results: row.foul_model_results.0,
                    severity_model_results: row.severity_model_results.0,
                },
            }));
        }
        // No prediction visible: tell "not yet" from "not yours, or no such action".
        let owned = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM action WHERE id = $1 AND user_id = $2) AS "owned!""#,
            action.0,
            owner.0,
        )
        .fetch_one(&self.pool)
        .await?;
        if owned { Ok(None) } else { Err(Error::NotFound) }
    }
}
