"""What a room is set to: the host's choices and the server's limits. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quiz.core.question import Difficulty


@dataclass(frozen=True, slots=True)
class RoomSettings:
    """The host's choices for a room, all within the protocol's ranges."""

    topic: str = "general knowledge"
    num_questions: int = 5
    time_per_question: int = 20
    difficulty: Difficulty = "medium"
    reveal_seconds: int = 5
    # Protocol 1.1. time_per_question may be 0: no time limit.
    host_plays: bool = True
    speed_points: bool = True
    streak_bonus: bool = True
    language: str = "en"
    # Carried for the clients: phones hide the question text ("look at the
    # screen") when off.
    show_question_text: bool = True
    # Names the word filter flags (quiz.wire.names) are refused when on.
    profanity_filter: bool = True
    # Protocol 1.2. Teams: 2 to 12 names (none: everyone plays alone), and
    # how a team's score is made from its members': "mean" or "sum".
    teams: tuple[str, ...] = ()
    team_score: str = "mean"
    # Standings after every "question", or only between rounds ("round").
    leaderboard: str = "question"

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "num_questions": self.num_questions,
            "time_per_question": self.time_per_question,
            "difficulty": self.difficulty,
            "reveal_seconds": self.reveal_seconds,
            "host_plays": self.host_plays,
            "speed_points": self.speed_points,
            "streak_bonus": self.streak_bonus,
            "language": self.language,
            "show_question_text": self.show_question_text,
            "profanity_filter": self.profanity_filter,
            "teams": list(self.teams),
            "team_score": self.team_score,
            "leaderboard": self.leaderboard,
        }


@dataclass(frozen=True, slots=True)
class RoomLimits:
    """Server-wide limits a room obeys, fixed when the room is created."""

    max_players: int = 1000
    grace_ms: int = 120_000
    idle_ttl_ms: int = 1_800_000
    countdown_ms: int = 3_000
    dedup_ttl_ms: int = 60_000
    # A room still in its first lobby with nobody connected closes after this.
    abandoned_ms: int = 30_000
