"""Rooms shared by several servers through Redis: see :mod:`quiz.rooms.cluster.rooms`."""
