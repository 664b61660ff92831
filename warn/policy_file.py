"""Reading the policy YAML: the domain validates, this module adds file names and lines."""

from pathlib import Path
from typing import Any

import yaml

from warn.domain.policy import Path as ValuePath
from warn.domain.policy import Policy, PolicyError, dotted, policy_from_mapping

DEFAULT_POLICY = Path(__file__).with_name("default_policy.yaml")


class PolicyFileError(ValueError):
    """A policy file that cannot be used; the message names the file, line and problem."""


def load_policy(path: str | Path | None = None) -> Policy:
    source = Path(path) if path else DEFAULT_POLICY
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyFileError(f"policy {source}: cannot read it ({error.strerror})") from None
    return parse_policy(text, str(source))


def parse_policy(text: str, name: str = "policy") -> Policy:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise PolicyFileError(f"{name}{line}: not valid YAML: {error.problem}") from None
    try:
        return policy_from_mapping(data)
    except PolicyError as error:
        line = _line_of(node, error.path)
        where = f"{name} line {line}" if line else name
        raise PolicyFileError(f"{where}: {dotted(error.path) or 'policy'}: "
                              f"{error.problem}") from None


def _line_of(node: Any, path: ValuePath) -> int | None:
    """The 1-based line of the deepest node on `path` that exists in the document."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        child = _child(node, part)
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == part:
                return value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]
    return None
