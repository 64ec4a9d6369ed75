"""Typed errors for bad input.

Every error names what it can of the offending file, sample, field and line, so
that the CLI can print it in one line and a user can find the culprit.
"""

from __future__ import annotations

from pathlib import Path


class CiasaError(Exception):
    """Base of every error raised on bad input.

    Attributes:
        reason: what is wrong, in words.
        path: the file concerned, if any.
        sample: the sample name or index concerned, if any.
        field: the field / array / channel concerned, if any.
        line: the 1-based line number in a text file, if any.
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str | Path | None = None,
        sample: str | int | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.reason = reason
        self.path = None if path is None else str(path)
        self.sample = sample
        self.field = field
        self.line = line
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.path is not None:
            where.append(self.path + (f":{self.line}" if self.line is not None else ""))
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.sample is not None:
            where.append(f"sample {self.sample}")
        if self.field is not None:
            where.append(f"field {self.field}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class FormatError(CiasaError, ValueError):
    """A file does not follow its format (truncated, non-numeric, wrong counts)."""


class ValidationError(CiasaError, ValueError):
    """Data is well-formed but violates the skeleton contract (shape, NaN, zero frames)."""


class LabelMismatchError(FormatError):
    """Labels and data disagree (length, sample names, label index)."""


class UnsafePickleError(FormatError):
    """A pickle names a global outside the allow-list; nothing was executed."""


class UnknownFormatError(CiasaError, ValueError):
    """A format, layout or other name is not one of the known ones."""


class MissingInputError(CiasaError, FileNotFoundError):
    """An input path does not exist (or a file it needs beside it is missing)."""
