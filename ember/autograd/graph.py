"""Draw the autograd graph of a tensor: Graphviz DOT text always, SVG/PNG when ``dot`` exists.

>>> x = ember.ones(2, requires_grad=True)
>>> print(ember.autograd.graph.to_dot((x * 2).sum(), params={"x": x}).splitlines()[0])
digraph autograd {
"""
from __future__ import annotations

import shutil
import subprocess

from .node import AccumulateGrad, Node


def _shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _saved_shapes(node) -> list:
    """Shapes of what a node saved for backward (empty once freed)."""
    if getattr(node, "_freed", False):
        return []
    shapes = []
    for t in getattr(node, "_saved", None) or ():
        if t is not None and hasattr(t, "_data"):
            shapes.append(_shape(t._data.shape))
    out = getattr(node, "_out", None)
    if out is not None:
        shapes.append(_shape(out[0].shape) + " (output)")
    return shapes


def _escape(text: str) -> str:
    return text.replace('"', '\\"')


def to_dot(*roots, params=None, show_saved: bool = True) -> str:
    """The DOT text of the graph behind ``roots`` (tensors or nodes).

    Args:
        params: optional ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) used to
            label leaves; unnamed leaves show their shape.
        show_saved: list the shapes each node saved for backward.
    """
    names = {id(t): n for n, t in (params or {}).items()}
    lines = ["digraph autograd {", '  node [shape=box, fontname="monospace", fontsize=10];',
             "  rankdir=BT;"]
    seen = {}
    stack = []
    for i, r in enumerate(roots):
        node = r if isinstance(r, Node) else r.grad_fn
        if node is None:
            continue
        label = f"output {i}\\n{_shape(r.shape)}" if not isinstance(r, Node) else f"output {i}"
        lines.append(f'  out{i} [label="{label}", style=filled, fillcolor="#c8e6c9"];')
        stack.append(node)
        lines.append(f"  n{_key(node, seen)} -> out{i};")
    while stack:
        node = stack.pop()
        key = _key(node, seen)
        if seen[node][1]:
            continue
        seen[node] = (key, True)
        lines.append(f"  n{key} [{_node_attrs(node, names, show_saved)}];")
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            lines.append(f"  n{_key(nxt, seen)} -> n{key};")
            if not seen[nxt][1]:
                stack.append(nxt)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _key(node, seen):
    if node not in seen:
        seen[node] = (len(seen), False)
    return seen[node][0]


def _node_attrs(node, names, show_saved):
    if type(node) is AccumulateGrad:
        var = node.variable
        if var is None:  # the leaf is gone (nothing can read its gradient any more)
            return 'label="AccumulateGrad (leaf freed)", style=filled, fillcolor="#bbdefb"'
        name = names.get(id(var), "")
        label = (f"{name}\\n" if name else "") + _shape(var._data.shape)
        return f'label="{_escape(label)}", style=filled, fillcolor="#bbdefb"'
    label = node.name()
    if show_saved:
        saved = _saved_shapes(node)
        if saved:
            label += "\\nsaved: " + ", ".join(saved)
    return f'label="{_escape(label)}"'


def render(*roots, path: str, format: str = "svg", params=None) -> str:
    """Write the graph to ``path`` (``format`` 'dot', 'svg' or 'png'); returns the path.

    SVG/PNG need Graphviz's ``dot`` program; without it a RuntimeError says so.
    """
    text = to_dot(*roots, params=params)
    if format == "dot":
        with open(path, "w") as f:
            f.write(text)
        return path
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError("rendering to {format} needs Graphviz's `dot` program (apt-get install "
                           "graphviz); to_dot() and format='dot' work without it")
    subprocess.run([exe, f"-T{format}", "-o", path], input=text.encode(), check=True)
    return path
