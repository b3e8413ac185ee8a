"""Internals of ember.save / ember.load (see ember/serialization.py)."""
