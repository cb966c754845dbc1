"""The one error type of file parsing: names the file, the line, the sentence (0-based) and the field."""
from __future__ import annotations

from typing import Optional, Tuple


class FormatError(ValueError):
    """A malformed input file.

    The message reads ``<path>, line <L>, sentence <S> (0-based), field <F>: <detail>`` (line and sentence
    left out when they do not apply, e.g. for an empty file). The parts are kept as attributes.
    """

    def __init__(self, path: str, sentence: Optional[int], field: str, message: str, line: Optional[int] = None):
        where = f"{path}"
        if line is not None:
            where += f", line {line}"
        if sentence is not None:
            where += f", sentence {sentence} (0-based)"
        super().__init__(f"{where}, field {field}: {message}")
        self.path = path
        self.sentence = sentence
        self.field = field
        self.detail = message
        self.line = line

    def __reduce__(self) -> Tuple[type, Tuple[str, Optional[int], str, str, Optional[int]]]:
        # keep the parts when pickled (multiprocessing)
        return (type(self), (self.path, self.sentence, self.field, self.detail, self.line))


__all__ = ["FormatError"]
