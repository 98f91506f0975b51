"""The .pyi stubs describe the extension module as it is: the same public names, and
for every function and method the parameters pybind11 reports (names, order, keyword-only
marker, defaults), properties as properties, static methods as static: so the stubs and
the bindings cannot drift apart."""

import ast

import pytest

from neardup import _core

# Special methods a stub must declare when the module defines them, and the reverse.
DUNDERS = {"__init__", "__len__", "__contains__", "__enter__", "__exit__", "__iter__", "__getitem__",
           "__getstate__", "__setstate__", "__eq__", "__call__"}


def public(name):
    return not name.startswith("_") or name in DUNDERS


def split_top(text, sep=","):
    """Splits at `sep` outside brackets and quotes."""
    parts, depth, quote, cur = [], 0, None, ""
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def bound_params(obj, name):
    """[(name, kind, default or None)] from pybind11's signature line 'name(params) -> ret'.
    kind: 'pos', 'kw' (after '*'), 'var' (*args), 'varkw' (**kwargs)."""
    line = obj.__doc__.splitlines()[0]
    assert line.startswith(name + "("), f"{name}: pybind11 signature line expected, got {line!r}"
    inner = line[len(name) + 1 : line.rindex(") ->")]
    out, kw = [], False
    for p in split_top(inner):
        if p == "*":
            kw = True
            continue
        if p.startswith("**"):
            out.append((p[2:].split(":")[0], "varkw", None))
            continue
        if p.startswith("*"):
            out.append((p[1:].split(":")[0], "var", None))
            kw = True
            continue
        head, _, default = p.partition(" = ")
        out.append((head.split(":")[0].strip(), "kw" if kw else "pos", default or None))
    return out


def stub_params(fn):
    a = fn.args
    out = []
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for arg, d in zip(positional, defaults):
        out.append((arg.arg, "pos", d))
    if a.vararg:
        out.append((a.vararg.arg, "var", None))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append((arg.arg, "kw", d))
    if a.kwarg:
        out.append((a.kwarg.arg, "varkw", None))
    return out


def compare_signature(where, obj, name, fn, has_self):
    bound = bound_params(obj, name)
    stub = stub_params(fn)
    if has_self:
        assert stub and stub[0][0] == "self", f"{where}: stub lacks self"
        stub = stub[1:]
        assert bound and bound[0][0] == "self", f"{where}: binding lacks self"
        bound = bound[1:]
    assert [(n, k) for n, k, _ in stub] == [(n, k) for n, k, _ in bound], f"{where}: parameters differ"
    for (n, _, s), (_, _, b) in zip(stub, bound):
        assert (s is None) == (b is None), f"{where}: default of {n} given on one side only"
        if b is not None:
            try:
                value = ast.literal_eval(b)
            except (ValueError, SyntaxError):
                continue  # a default pybind11 cannot show as a literal
            assert ast.literal_eval(s) == value, f"{where}: default of {n}: stub {ast.unparse(s)}, binding {b}"


def decorators(fn):
    return {d.id for d in fn.decorator_list if isinstance(d, ast.Name)}


def check_class(where, cls, node):
    # Slot wrappers are CPython's (pybind11's "No constructor defined!" __init__), not the binding's.
    members = {n: v for n, v in vars(cls).items() if public(n) and type(v).__name__ != "wrapper_descriptor"}
    stub = {}
    for item in node.body:
        if isinstance(item, ast.FunctionDef):
            stub[item.name] = item
        elif isinstance(item, ast.AnnAssign):
            stub[item.target.id] = item
    stub = {n: v for n, v in stub.items() if public(n)}
    assert sorted(stub) == sorted(members), f"{where}: members differ"
    for name, item in stub.items():
        bound = members[name]
        here = f"{where}.{name}"
        if isinstance(item, ast.AnnAssign) or "property" in decorators(item):
            assert isinstance(bound, property), f"{here}: the stub says attribute, the module has {bound!r}"
        elif "staticmethod" in decorators(item):
            assert isinstance(bound, staticmethod), f"{here}: static in the stub only"
            compare_signature(here, bound.__func__, name, item, has_self=False)
        else:
            assert not isinstance(bound, (property, staticmethod)), f"{here}: a method in the stub only"
            compare_signature(here, bound, name, item, has_self=True)


def check_module(module, path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
            cls = getattr(module, node.name, None)
            assert isinstance(cls, type), f"{node.name}: a class in the stub only"
            bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
            if issubclass(cls, BaseException):
                assert [b.__name__ for b in cls.__bases__] == bases, f"{node.name}: bases differ"
            else:
                check_class(node.name, cls, node)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
            compare_signature(node.name, getattr(module, node.name), node.name, node, has_self=False)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                assert t.id.startswith("_"), f"{t.id}: a stub-only alias must be private"
        elif isinstance(node, ast.ImportFrom) and node.module is None:
            names.update(a.asname or a.name for a in node.names)
    actual = {n for n in dir(module) if not n.startswith("_")} | {n for n in ("__version__",) if hasattr(module, n)}
    assert sorted(n for n in names if public(n) or n == "__version__") == sorted(actual)


@pytest.mark.parametrize("module, stub", [("_core", "_core.pyi"), ("datasketch", "_datasketch_core.pyi")])
def test_stubs_match_the_module(root, module, stub):
    check_module(_core if module == "_core" else _core.datasketch, root / "python" / "neardup" / stub)
