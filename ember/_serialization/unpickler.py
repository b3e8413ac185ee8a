"""A restricted pickle interpreter for ``ember.load(weights_only=True)``.

It executes pickle opcodes itself (it never calls ``pickle.Unpickler``), resolves GLOBALs
only from an allowlist of safe constructors, and lets SETITEM/APPEND/BUILD touch only the
containers they are meant for. Anything else raises ``pickle.UnpicklingError`` before a
single foreign callable is looked up, so a hostile file cannot run code.
"""
from __future__ import annotations

import codecs
import struct
from collections import OrderedDict
from pickle import UnpicklingError

_PREFIX = ("Weights only load failed. Re-running `ember.load` with `weights_only` set to "
           "`False` will likely succeed, but it can result in arbitrary code execution. "
           "Do it only if you got the file from a trusted source.\n WeightsUnpickler error: ")


def weights_only_error(msg: str) -> UnpicklingError:
    return UnpicklingError(_PREFIX + msg)


def _safe_complex(*args):
    if len(args) > 2 or not all(type(a) in (int, float) for a in args):
        raise weights_only_error("complex() expects up to two real numbers")
    return complex(*args)


def _safe_collection(kind):
    def build(items=()):
        if type(items) not in (list, tuple, set, frozenset):
            raise weights_only_error(f"{kind.__name__}() expects a list")
        return kind(items)
    return build


def _safe_encode(text, encoding="latin1"):
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise weights_only_error("_codecs.encode only rebuilds latin1 bytes")
    return codecs.encode(text, "latin1")


def _safe_bytearray(data=b""):
    if type(data) is not bytes:
        raise weights_only_error("bytearray() expects bytes")
    return bytearray(data)


def _safe_ordered_dict(items=()):
    if type(items) not in (list, tuple) or items:
        raise weights_only_error("OrderedDict() must be created empty")
    return OrderedDict()


BUILTIN_GLOBALS = {
    ("collections", "OrderedDict"): _safe_ordered_dict,
    ("_codecs", "encode"): _safe_encode,
}
for _mod in ("builtins", "__builtin__"):
    BUILTIN_GLOBALS[(_mod, "complex")] = _safe_complex
    BUILTIN_GLOBALS[(_mod, "set")] = _safe_collection(set)
    BUILTIN_GLOBALS[(_mod, "frozenset")] = _safe_collection(frozenset)
    BUILTIN_GLOBALS[(_mod, "bytearray")] = _safe_bytearray
for _fn in BUILTIN_GLOBALS.values():
    _fn._ember_safe = True

_STR_OPS = {b"X": "<I", b"\x8c": "<B", b"\x8d": "<Q"}       # BINUNICODE, SHORT_, 8
_BYTES_OPS = {b"B": "<I", b"C": "<B", b"\x8e": "<Q", b"T": "<I", b"U": "<B"}
_INT_OPS = {b"J": "<i", b"K": "<B", b"M": "<H"}
_STACK_OPS = {b"0", b"1", b"2", b"(", b"t", b")", b"\x85", b"\x86", b"\x87", b"l", b"]",
              b"d", b"}", b"\x8f"}


class SafeUnpickler:
    """Interpret a pickle byte string with only allowlisted globals and container ops.

    Args:
        data: the pickle bytes.
        find_global: ``(module, name) -> callable``; raises UnpicklingError when refused.
        persistent_load: called with each persistent id (a tuple).
    """

    def __init__(self, data: bytes, find_global, persistent_load):
        self.data = memoryview(data)
        self.pos = 0
        self.find_global = find_global
        self.persistent_load = persistent_load
        self.stack: list = []
        self.marks: list = []
        self.memo: dict = {}
        self.build_ok: set = set()

    def load(self):
        try:
            return self._run()
        except UnpicklingError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, struct.error, AttributeError,
                UnicodeDecodeError, OverflowError, RecursionError) as e:
            raise weights_only_error(f"malformed pickle ({type(e).__name__}: {e})") from None

    def _read(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise weights_only_error("pickle data was truncated")
        out = bytes(self.data[self.pos:end])
        self.pos = end
        return out

    def _line(self) -> bytes:
        rest = self.data[self.pos:]
        idx = bytes(rest[:4096]).find(b"\n")
        if idx < 0:
            raise weights_only_error("pickle data was truncated (line too long or missing)")
        return self._read(idx + 1)[:-1]

    def _pop_mark(self) -> list:
        if not self.marks:
            raise weights_only_error("MARK expected on the stack")
        items = self.stack
        self.stack = self.marks.pop()
        return items

    def _run(self):
        while True:
            op = self._read(1)
            if op == b".":
                if len(self.stack) != 1 or self.marks:
                    raise weights_only_error("pickle stack not empty at STOP")
                return self.stack.pop()
            self._step(op)

    def _step(self, op: bytes) -> None:
        st = self.stack
        if op in _INT_OPS:
            fmt = _INT_OPS[op]
            st.append(struct.unpack(fmt, self._read(struct.calcsize(fmt)))[0])
        elif op in _STR_OPS:
            fmt = _STR_OPS[op]
            n = struct.unpack(fmt, self._read(struct.calcsize(fmt)))[0]
            st.append(self._read(n).decode("utf-8", "surrogatepass"))
        elif op in _BYTES_OPS:
            fmt = _BYTES_OPS[op]
            n = struct.unpack(fmt, self._read(struct.calcsize(fmt)))[0]
            st.append(self._read(n))
        elif op in _STACK_OPS:
            self._stack_op(op)
        else:
            handler = _HANDLERS.get(op)
            if handler is None:
                raise weights_only_error(f"Unsupported operand {op[0]} ({op!r})")
            handler(self)

    def _stack_op(self, op: bytes) -> None:
        st = self.stack
        if op == b"(":
            self.marks.append(st)
            self.stack = []
        elif op == b"0":
            if st:
                st.pop()
            else:
                self._pop_mark()
        elif op == b"1":
            self._pop_mark()
        elif op == b"2":
            st.append(st[-1])
        elif op == b"t":
            items = self._pop_mark()
            self.stack.append(tuple(items))
        elif op == b")":
            st.append(())
        elif op in (b"\x85", b"\x86", b"\x87"):
            n = op[0] - 0x84
            if len(st) < n:
                raise weights_only_error("stack underflow")
            items = tuple(st[-n:])
            del st[-n:]
            st.append(items)
        elif op == b"l":
            items = self._pop_mark()
            self.stack.append(items)
        elif op == b"]":
            st.append([])
        elif op == b"d":
            items = self._pop_mark()
            self.stack.append(self._pairs({}, items))
        elif op == b"}":
            st.append({})
        elif op == b"\x8f":
            st.append(set())

    @staticmethod
    def _pairs(target, items):
        if len(items) % 2:
            raise weights_only_error("odd number of items for a dict")
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]
        return target

    # ---- handlers of the remaining opcodes ----
    def _proto(self):
        proto = self._read(1)[0]
        if proto > 5:
            raise weights_only_error(f"unsupported pickle protocol: {proto}")

    def _frame(self):
        self._read(8)

    def _none(self):
        self.stack.append(None)

    def _true(self):
        self.stack.append(True)

    def _false(self):
        self.stack.append(False)

    def _int_text(self):
        line = self._line()
        if line == b"00":
            self.stack.append(False)
        elif line == b"01":
            self.stack.append(True)
        else:
            self.stack.append(int(line))

    def _long_text(self):
        line = self._line()
        self.stack.append(int(line[:-1] if line.endswith(b"L") else line))

    def _long_bin(self, fmt):
        n = struct.unpack(fmt, self._read(struct.calcsize(fmt)))[0]
        if n > 1 << 20:
            raise weights_only_error("integer too large")
        self.stack.append(int.from_bytes(self._read(n), "little", signed=True))

    def _float_text(self):
        self.stack.append(float(self._line()))

    def _binfloat(self):
        self.stack.append(struct.unpack(">d", self._read(8))[0])

    def _string_text(self):
        raw = self._line()
        if len(raw) < 2 or raw[0] != raw[-1] or raw[:1] not in (b"'", b'"'):
            raise weights_only_error("the STRING opcode argument must be quoted")
        self.stack.append(codecs.escape_decode(raw[1:-1])[0].decode("ascii"))

    def _unicode_text(self):
        self.stack.append(self._line().decode("raw-unicode-escape"))

    def _memo_get(self, key):
        if key not in self.memo:
            raise weights_only_error(f"memo key {key} not found")
        self.stack.append(self.memo[key])

    def _memo_put(self, key):
        if not self.stack:
            raise weights_only_error("stack underflow at PUT")
        self.memo[key] = self.stack[-1]

    def _global(self):
        module = self._line().decode("utf-8")
        name = self._line().decode("utf-8")
        self.stack.append(self.find_global(module, name))

    def _stack_global(self):
        name, module = self.stack.pop(), self.stack.pop()
        if type(name) is not str or type(module) is not str:
            raise weights_only_error("STACK_GLOBAL requires str")
        self.stack.append(self.find_global(module, name))

    def _reduce(self):
        args = self.stack.pop()
        func = self.stack.pop()
        if not getattr(func, "_ember_safe", False):
            raise weights_only_error(f"REDUCE on a non-allowlisted object of type "
                                     f"{type(func).__name__}")
        if type(args) is not tuple:
            raise weights_only_error("REDUCE arguments must be a tuple")
        obj = func(*args)
        if type(obj) is OrderedDict:
            self.build_ok.add(id(obj))
        self.stack.append(obj)

    def _build(self):
        state = self.stack.pop()
        obj = self.stack[-1]
        if type(obj) is not OrderedDict or id(obj) not in self.build_ok:
            raise weights_only_error(f"BUILD is only allowed on OrderedDict, not "
                                     f"{type(obj).__name__}")
        if isinstance(state, tuple) and len(state) == 2 and state[1] is None:
            state = state[0]
        if state is None:
            return
        if type(state) is not dict or not all(type(k) is str and not k.startswith("__")
                                              for k in state):
            raise weights_only_error("BUILD state of an OrderedDict must be a dict of "
                                     "plain attribute names")
        for k, v in state.items():
            setattr(obj, k, v)

    def _persid(self, pid):
        if type(pid) is not tuple:
            raise weights_only_error("persistent id must be a tuple")
        self.stack.append(self.persistent_load(pid))

    def _setitems(self, items):
        target = self.stack[-1]
        if type(target) not in (dict, OrderedDict):
            raise weights_only_error(f"SETITEM(S) on a {type(target).__name__}; only dicts "
                                     "are allowed")
        self._pairs(target, items)

    def _appends(self, items):
        target = self.stack[-1]
        if type(target) is not list:
            raise weights_only_error(f"APPEND(S) on a {type(target).__name__}; only lists "
                                     "are allowed")
        target.extend(items)

    def _additems(self):
        items = self._pop_mark()
        target = self.stack[-1]
        if type(target) is not set:
            raise weights_only_error("ADDITEMS is only allowed on a set")
        target.update(items)

    def _frozenset(self):
        self.stack.append(frozenset(self._pop_mark()))


def _u(fmt):
    return lambda self: struct.unpack(fmt, self._read(struct.calcsize(fmt)))[0]


_HANDLERS = {
    b"\x80": SafeUnpickler._proto,
    b"\x95": SafeUnpickler._frame,
    b"N": SafeUnpickler._none,
    b"\x88": SafeUnpickler._true,
    b"\x89": SafeUnpickler._false,
    b"I": SafeUnpickler._int_text,
    b"L": SafeUnpickler._long_text,
    b"\x8a": lambda self: self._long_bin("<B"),
    b"\x8b": lambda self: self._long_bin("<i"),
    b"F": SafeUnpickler._float_text,
    b"G": SafeUnpickler._binfloat,
    b"S": SafeUnpickler._string_text,
    b"V": SafeUnpickler._unicode_text,
    b"g": lambda self: self._memo_get(int(self._line())),
    b"h": lambda self: self._memo_get(_u("<B")(self)),
    b"j": lambda self: self._memo_get(_u("<I")(self)),
    b"p": lambda self: self._memo_put(int(self._line())),
    b"q": lambda self: self._memo_put(_u("<B")(self)),
    b"r": lambda self: self._memo_put(_u("<I")(self)),
    b"\x94": lambda self: self._memo_put(len(self.memo)),
    b"c": SafeUnpickler._global,
    b"\x93": SafeUnpickler._stack_global,
    b"R": SafeUnpickler._reduce,
    b"b": SafeUnpickler._build,
    b"P": lambda self: self._persid(self._line().decode("ascii")),
    b"Q": lambda self: self._persid(self.stack.pop()),
    b"s": lambda self: self._setitems([self.stack.pop(-2), self.stack.pop()]),
    b"u": lambda self: self._setitems(self._pop_mark()),
    b"a": lambda self: self._appends([self.stack.pop()]),
    b"e": lambda self: self._appends(self._pop_mark()),
    b"\x90": SafeUnpickler._additems,
    b"\x91": SafeUnpickler._frozenset,
}
