"""A griffe extension for the docs build: the docstrings' reST roles become Markdown code spans.

The package's docstrings say ``:class:`SocketError``` and ``:meth:`poll```, as Sphinx would read them;
mkdocstrings renders Markdown, where a role would show up as text. This turns each role into the code
span of its target (``~`` prefixes dropped), before mkdocstrings renders the docstring.
"""
from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|meth|func|data|mod|attr|exc|obj|const):`~?([^`]+)`")


class RstRoles(griffe.Extension):
    """``:class:`X``` -> ```X```, in every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ":`" in obj.docstring.value:
            obj.docstring.value = _ROLE.sub(lambda m: f"`{m.group(1)}`", obj.docstring.value)
