"""An immutable, hashable, picklable mapping.

:class:`types.MappingProxyType` is read-only but can be neither pickled nor
deep-copied, so parameters and results holding one broke every export that
copies them.  :class:`FrozenMap` is a plain value instead: equal maps are
equal and hash alike, and it survives ``pickle``, ``copy.deepcopy`` and
``dataclasses.asdict``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """A read-only mapping with a stable order (the order given)."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[K, V] | None = None, /) -> None:
        self._data: dict[K, V] = dict(data or {})
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._data,))

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenMap[K, V]:
        return self  # immutable: a copy is the same value

    def __copy__(self) -> FrozenMap[K, V]:
        return self

    def to_dict(self) -> dict[K, V]:
        """A plain ``dict`` copy (for JSON and metadata)."""
        return dict(self._data)


def freeze(data: Mapping[K, V] | None) -> FrozenMap[K, V] | None:
    """``data`` as a :class:`FrozenMap`, or None when it is None or empty."""
    if not data:
        return None
    return data if isinstance(data, FrozenMap) else FrozenMap(data)
