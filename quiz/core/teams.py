"""Teams (protocol 1.2): who plays in which team, and the teams' scores. No I/O.

A team's score is the mean of its current members' scores (rounded; so a
table of 3 competes fairly with a table of 6) or their sum, as the host
chose. The state keeps each team's member count and the sum of its
members' scores, and every change (a join, a leave, a move, a question's
points) updates them in O(1): no rule here walks the players but a change
of the teams themselves.
"""

from __future__ import annotations

from quiz.core.messages import Message
from quiz.core.state import Player, RoomState


class Teams:
    """The teams of a room: placing players, and the standings."""

    def __init__(self, state: RoomState) -> None:
        self.state = state

    @property
    def on(self) -> bool:
        return bool(self.state.settings.teams)

    def place(self, player: Player, wanted: int | None) -> None:
        """Put a new player in ``wanted`` (an index that exists), else in the
        team with the fewest players (the first on a tie)."""
        if not self.on:
            return
        members = self.state.team_members
        if wanted is None or not 0 <= wanted < len(members):
            wanted = min(range(len(members)), key=lambda t: (members[t], t))
        self._join(player, wanted)

    def leave(self, player: Player) -> None:
        """A player leaves the room: they stop counting for their team."""
        if player.team is not None and player.team < len(self.state.team_members):
            self.state.team_members[player.team] -= 1
            self.state.team_totals[player.team] -= player.score

    def move(self, player: Player, team: int) -> None:
        self.leave(player)
        self._join(player, team)

    def scored(self, player: Player, points: int) -> None:
        if points and player.team is not None and player.team < len(self.state.team_totals):
            self.state.team_totals[player.team] += points

    def renamed(self, before: tuple[str, ...]) -> None:
        """The host changed the teams. As many as before: everyone stays. Else
        the players are dealt into the new teams in seat order, so they are
        balanced (and without teams, nobody is in one)."""
        state = self.state
        if len(before) != len(state.settings.teams):
            n = len(state.settings.teams)
            for i, player in enumerate(sorted(state.players.values(), key=lambda p: p.seat)):
                player.team = i % n if n else None
        state.count_teams()

    def score(self, team: int) -> int:
        total, members = self.state.team_totals[team], self.state.team_members[team]
        if self.state.settings.team_score == "sum":
            return total
        return (2 * total + members) // (2 * members) if members else 0  # halves up

    def standings(self) -> list[Message]:
        """Every team with its name, players, score and rank, best first; teams
        equal on score share a rank."""
        if not self.on:
            return []
        scores = [self.score(t) for t in range(len(self.state.settings.teams))]
        order = sorted(range(len(scores)), key=lambda t: (-scores[t], t))
        out: list[Message] = []
        rank, previous = 0, None
        for position, team in enumerate(order, start=1):
            if scores[team] != previous:
                rank, previous = position, scores[team]
            out.append(
                {
                    "team": team,
                    "name": self.state.settings.teams[team],
                    "players": self.state.team_members[team],
                    "score": scores[team],
                    "rank": rank,
                }
            )
        return out

    def listed(self) -> list[Message]:
        """The standings in team order, for the room state."""
        return sorted(self.standings(), key=lambda entry: entry["team"])

    def _join(self, player: Player, team: int) -> None:
        player.team = team
        self.state.team_members[team] += 1
        self.state.team_totals[team] += player.score
