"""Rooms shared by several servers through Redis: see :mod:`quiz.cluster.rooms`."""
