"""The game core: every rule of the quiz, and nothing else.

No I/O, no clock, no sockets, no Redis, no Groq: this package imports only
the standard library (a test imports it with those blocked). Time comes in
as an argument; commands come in (:mod:`quiz.core.commands`), outputs come
out (:mod:`quiz.core.outputs`). The layers around it (:mod:`quiz.wire`,
:mod:`quiz.rooms`, :mod:`quiz.net`) only carry them.

- the question model: :mod:`~quiz.core.question`, its kinds
  (:mod:`~quiz.core.kinds`, :mod:`~quiz.core.folding`), the true/false labels
  (:mod:`~quiz.core.labels`), and reading a quiz (:mod:`~quiz.core.parse`);
- scoring: :mod:`~quiz.core.scoring`;
- a room: its state (:mod:`~quiz.core.state`) and its rules
  (:mod:`~quiz.core.room`, with :mod:`~quiz.core.views`,
  :mod:`~quiz.core.lobby`, :mod:`~quiz.core.play`, :mod:`~quiz.core.seating`).
"""
