"""Pictures and sound (protocol 1.2 "Media").

- :mod:`quiz.media.model`: a media item, its id, and why one is refused.
- :mod:`quiz.media.images`, :mod:`quiz.media.audio`, :mod:`quiz.media.process`:
  what an upload's bytes are and what is stored (pure, CPU-bound, run in threads).
- :mod:`quiz.media.store`: the storage contract and its memory implementation;
  :mod:`quiz.media.directory` and :mod:`quiz.media.redis_store` the others.
  Which one a server has is decided in :func:`quiz.rooms.backends.make_media`.
- :mod:`quiz.media.uploads`: the upload in progress on each connection and the
  limits per connection, per address and per server.
- :mod:`quiz.media.service`: what the server calls: uploads, the check of a
  quiz's media, and reading an item for ``GET /media/<id>``.
"""
