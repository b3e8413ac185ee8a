"""Functional building blocks of ember.nn, grouped by kind; re-exported by nn.functional."""
