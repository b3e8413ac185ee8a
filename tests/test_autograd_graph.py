"""ember.autograd.graph: DOT text of the recorded graph."""
from __future__ import annotations

import shutil

import pytest

import ember
from ember.autograd import graph


def test_dot_lists_nodes_edges_saved_shapes_and_named_leaves():
    w = ember.ones(3, 2, requires_grad=True)
    x = ember.ones(4, 3)
    loss = (x @ w).tanh().sum()
    dot = graph.to_dot(loss, params={"weight": w})
    assert dot.startswith("digraph autograd {") and dot.rstrip().endswith("}")
    for name in ("SumBackward0", "TanhBackward0", "MmBackward0"):
        assert name in dot
    assert "weight\\n(3, 2)" in dot
    assert "saved: (4, 3), (3, 2)" in dot          # matmul saved both operands
    assert "(4, 2) (output)" in dot                 # tanh saved its output
    assert dot.count("->") == 4                     # sum->out, tanh->sum, mm->tanh, acc->mm


def test_freed_nodes_show_no_saved_tensors():
    a = ember.ones(2, requires_grad=True)
    y = (a * a).sum()
    y.backward()
    assert "saved" not in graph.to_dot(y)


def test_render_dot_and_missing_graphviz(tmp_path, monkeypatch):
    a = ember.ones(2, requires_grad=True)
    y = a.exp().sum()
    p = graph.render(y, path=str(tmp_path / "g.dot"), format="dot")
    assert "ExpBackward0" in (tmp_path / "g.dot").read_text() and p.endswith("g.dot")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="Graphviz"):
        graph.render(y, path=str(tmp_path / "g.svg"))
