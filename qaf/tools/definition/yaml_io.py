"""Reading and writing tool files as YAML, safely.

Reading uses safe-loader semantics and a stricter composer that refuses anchors, aliases,
non-standard tags and deep nesting as soon as their event is seen, before anything is built;
the size is checked before a byte is parsed. Writing gives block YAML that reads back to the
same data (no anchors: the reader refuses them).
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from .problems import DefinitionInvalid, PathTuple, Problem, format_path
from .vocabulary import MAX_FILE_BYTES, MAX_NESTING

# Reading ------------------------------------------------------------------------------------

_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)


class _Refused(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _StrictResolver(yaml.resolver.Resolver):
    """Implicit typing closer to YAML 1.2 than PyYAML's 1.1 default: only true/false are
    booleans (yes, no, on, off stay text), dates stay text, and there are no merge keys."""

    yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag.rsplit(":", 1)[-1] in ("int", "float", "null")
        ]
        for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }


_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _StrictComposer(yaml.composer.Composer):
    """The composer, refusing anchors, aliases, non-standard tags and deep nesting as soon as
    their event is seen, so nothing is ever expanded ("billion laughs")."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:  # type: ignore[override]
        event = self.peek_event()  # type: ignore[attr-defined]
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                line,
                f"aliases (*{event.anchor}) are not allowed; write the content out in full",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused(
                line, f"anchors (&{anchor}) are not allowed; write the content out in full"
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in _STANDARD_TAGS:
            raise _Refused(
                line,
                f"the YAML tag {tag!r} is not allowed; remove it "
                "(only plain text, numbers, true/false, lists and mappings are used)",
            )
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise _Refused(line, f"the YAML is nested more than {MAX_NESTING} levels deep")
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self._depth -= 1


class _Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    _StrictComposer,
    yaml.constructor.SafeConstructor,
    _StrictResolver,
):
    """Safe loading in pure Python (used when PyYAML has no libyaml)."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _StrictComposer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _StrictResolver.__init__(self)


_FastLoader: type[Any] | None = None
if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _CLoader(_StrictComposer, CParser, yaml.constructor.SafeConstructor, _StrictResolver):  # type: ignore[misc]
        """libyaml's parser (events only) under the same strict Python composer: about ten
        times faster than the pure-Python reader."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _StrictComposer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            _StrictResolver.__init__(self)

    _FastLoader = _CLoader


def check_size(size: int) -> None:
    """Refuse a file of `size` bytes over the limit, before a byte of it is read."""
    if size > MAX_FILE_BYTES:
        raise DefinitionInvalid(
            [
                Problem(
                    None,
                    "",
                    f"the file is {size / (1024 * 1024):.1f} MB: a tool definition must be "
                    f"{MAX_FILE_BYTES // (1024 * 1024)} MB or smaller",
                )
            ]
        )


def read_yaml(text: str | bytes) -> tuple[Any, dict[PathTuple, int]]:
    """Size-check, decode and read YAML into plain data plus the line of each path."""
    if isinstance(text, str):
        check_size(len(text) if len(text) > MAX_FILE_BYTES else len(text.encode("utf-8")))
    else:
        check_size(len(text))
    if isinstance(text, bytes):
        raw = text
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DefinitionInvalid(
                [
                    Problem(
                        raw[: e.start].count(b"\n") + 1,
                        "",
                        "the file is not UTF-8 text; save it as UTF-8",
                    )
                ]
            ) from None
    lines: dict[PathTuple, int] = {(): 1}
    problems: list[Problem] = []
    loader = None
    try:
        loader = (_FastLoader or _Loader)(text)
        node = loader.get_single_node()
        if node is None:
            raise DefinitionInvalid([Problem(1, "", "the file is empty")])
        lines[()] = node.start_mark.line + 1
        data = _to_python(loader, node, (), lines, problems)
    except _Refused as e:
        raise DefinitionInvalid([Problem(e.line, "", e.message)]) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = " ".join(str(x) for x in (e.context, e.problem) if x)
        raise DefinitionInvalid(
            [Problem(mark.line + 1 if mark else None, "", f"the file is not valid YAML: {what}")]
        ) from None
    except yaml.reader.ReaderError as e:
        raise DefinitionInvalid(
            [
                Problem(
                    text[: e.position].count("\n") + 1,
                    "",
                    f"the file contains a character YAML does not allow: {e.reason}",
                )
            ]
        ) from None
    except yaml.YAMLError as e:
        raise DefinitionInvalid([Problem(None, "", f"the file is not valid YAML: {e}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if problems:
        raise DefinitionInvalid(problems)
    return data, lines


def _to_python(
    loader: Any,
    node: yaml.Node,
    path: PathTuple,
    lines: dict[PathTuple, int],
    problems: list[Problem],
) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(line, format_path(path), "a key must be a plain word"))
                continue
            key = str(key_node.value)
            if key in result:
                problems.append(
                    Problem(
                        line,
                        format_path((*path, key)),
                        f"'{key}' is given twice in the same place; keep one",
                    )
                )
                continue
            lines[(*path, key)] = line
            result[key] = _to_python(loader, value_node, (*path, key), lines, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            items.append(_to_python(loader, item, (*path, i), lines, problems))
        return items
    value = loader.construct_object(node)
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(
            Problem(node.start_mark.line + 1, format_path(path), "numbers must be finite")
        )
    return value


# Writing ------------------------------------------------------------------------------------

_FLOW_KEYS = (
    {"value", "label"},
    {"value", "label", "good_or_better"},
    {"min", "grade"},
    {"question", "equals"},
    {"question", "in"},
)


class _Dumper(yaml.SafeDumper):
    """Writes block YAML with lists indented under their key, small items on one line
    (`- {value: 1, label: Poor}`, `[a, b]`), multi-line text as `|` blocks, and no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # never write anchors: the reader refuses them

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    flow = set(data) in _FLOW_KEYS
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(item, str | int | float) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def dump_yaml(data: dict[str, Any]) -> str:
    """Plain data (a definition's `to_dict()`) as YAML in the house style."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
