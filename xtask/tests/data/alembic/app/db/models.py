"""The old ReferAI app's model (backend/app/db/models.py), as SQLAlchemy declares it with its
defaults: serial integer keys, nullable columns, plain varchar, json."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class User(Base):
    __tablename__ = "users"

    id = Column(Integer, primary_key=True, index=True)
    email = Column(String, unique=True, index=True)
    password = Column(String)
    created_at = Column(DateTime, default=datetime.utcnow)

    actions = relationship("Action", back_populates="user")


class Action(Base):
    __tablename__ = "actions"

    id = Column(Integer, primary_key=True, index=True)
    user_id = Column(Integer, ForeignKey("users.id"))
    created_at = Column(DateTime, default=datetime.utcnow)

    user = relationship("User", back_populates="actions")
    clips = relationship("Clip", back_populates="action")
    prediction = relationship("Prediction", back_populates="action", uselist=False)


class Clip(Base):
    __tablename__ = "clips"

    id = Column(Integer, primary_key=True, index=True)
    action_id = Column(Integer, ForeignKey("actions.id"))
    content = Column(LargeBinary)

    action = relationship("Action", back_populates="clips")


class Prediction(Base):
    __tablename__ = "predictions"

    id = Column(Integer, primary_key=True, index=True)
    action_id = Column(Integer, ForeignKey("actions.id"), unique=True)
    is_foul = Column(Boolean)
    foul_confidence = Column(Float)
    no_foul_confidence = Column(Float)
    no_card_confidence = Column(Float)
    red_card_confidence = Column(Float)
    yellow_card_confidence = Column(Float)
    foul_model_results = Column(JSON)
    severity_model_results = Column(JSON)

    action = relationship("Action", back_populates="prediction")
