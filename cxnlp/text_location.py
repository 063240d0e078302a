"""Where a quoted sentence sits in the text it came from.

Evidence quotes sentences as the parser saw them; a speech-recogniser turn is parsed with
sentence ends and capitals restored (:mod:`cxnlp.speech_text`), so the quote is not always
a literal substring of the turn. One rule for the service's offsets and the report's call
view alike.
"""

from __future__ import annotations

import re

#: Typographic apostrophes and primes, each read as the ASCII apostrophe that word lists and
#: patterns are written with. One character for one, so offsets into the text still hold.
ASCII_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc\u2032`\u00b4", "'"))


def locate(text: str, needle: str, *, after: int = 0) -> tuple[int, int] | None:
    """``(start, end)`` of ``needle`` in ``text`` at or after ``after``; runs of whitespace
    in ``needle`` match any run of whitespace; failing that, its words in order, in any
    case, with any punctuation between them. None when absent or empty."""
    needle = needle.strip()
    if not needle:
        return None
    found = text.find(needle, after)
    if found >= 0:
        return found, found + len(needle)
    pattern = r"\s+".join(re.escape(part) for part in needle.split())
    match = re.compile(pattern).search(text, after)
    if match is None:
        # A speech-recogniser turn is parsed with sentence ends and capitals restored
        # (cxnlp.speech_text): "I'm sorry." is found in "i'm sorry" by its words alone.
        words = re.findall(r"\w+", needle)
        if words:
            match = re.compile(r"\W*".join(map(re.escape, words)), re.IGNORECASE).search(text, after)
    return (match.start(), match.end()) if match else None
