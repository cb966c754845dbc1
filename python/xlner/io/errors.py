"""The one error type of file parsing: names the file, the sentence and the field."""
from __future__ import annotations


class FormatError(ValueError):
    """A malformed input file. The message names the file, the sentence (0-based) and the field."""

    def __init__(self, path: str, sentence: int | None, field: str, message: str, line: int | None = None):
        where = f"{path}"
        if line is not None:
            where += f", line {line}"
        if sentence is not None:
            where += f", sentence {sentence}"
        super().__init__(f"{where}, field {field}: {message}")
        self.path = path
        self.sentence = sentence
        self.field = field
        self.line = line
