"""populate initial data: the admin, with one predicted action of two clips (guide §3.1, §4.1)

Revision ID: 9a3d4b6c8e21
Revises: 5f1c2a9e7b10
Create Date: 2026-12-02 11:05:00.000000

"""
import os
import random
from typing import Sequence, Union

import bcrypt
from alembic import op
from sqlalchemy.orm import Session

from app.db.models import Action, Clip, Prediction, User

revision: str = "9a3d4b6c8e21"
down_revision: Union[str, Sequence[str], None] = "5f1c2a9e7b10"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

current_dir = os.path.dirname(__file__)
# The workspace's seed clips, so that the fixture holds no copy of them.
clip_dir = os.path.join(current_dir, "..", "..", "..", "..", "..", "..", "data", "clips")
clip_path_1 = os.path.join(clip_dir, "admin-incident-cam1.mp4")
clip_path_2 = os.path.join(clip_dir, "admin-incident-cam2.mp4")


def upgrade() -> None:
    bind = op.get_bind()
    session = Session(bind=bind)

    # The old app hashed passwords with bcrypt (passlib's default for it writes $2b$).
    password = bcrypt.hashpw(b"admin@admin.com", bcrypt.gensalt(rounds=12)).decode()
    user = User(email="admin@admin.com", password=password)
    session.add(user)
    session.flush()

    action = Action(user_id=user.id)
    session.add(action)
    session.flush()

    # Read and add the clips
    for path in (clip_path_1, clip_path_2):
        with open(path, "rb") as clip:
            session.add(Clip(action_id=action.id, content=clip.read()))

    # "The data from the prediction is completely random" (seeded, so the dump is reproducible).
    rng = random.Random(2024)
    foul = rng.random()
    cards = [rng.random() for _ in range(3)]
    total = sum(cards)
    session.add(
        Prediction(
            action_id=action.id,
            is_foul=foul > 0.5,
            foul_confidence=foul,
            no_foul_confidence=1 - foul,
            no_card_confidence=cards[0] / total,
            red_card_confidence=cards[1] / total,
            yellow_card_confidence=cards[2] / total,
            foul_model_results={"foul": foul, "no_foul": 1 - foul},
            severity_model_results={"no_card": cards[0] / total, "red": cards[1] / total, "yellow": cards[2] / total},
        )
    )
    session.commit()


def downgrade() -> None:
    bind = op.get_bind()
    session = Session(bind=bind)
    user = session.query(User).filter(User.email == "admin@admin.com").first()
    if user:
        for action in user.actions:
            if action.prediction:
                session.delete(action.prediction)
            for clip in action.clips:
                session.delete(clip)
            session.delete(action)
        session.delete(user)
        session.commit()
