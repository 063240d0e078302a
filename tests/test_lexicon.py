"""Lexicon files: packaged word lists and prototype sentences a deployment can copy and edit.

No language model is loaded here: these tests read YAML files only.
"""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from cxnlp.dimensions.completeness import LEXICON as COMPLETENESS
from cxnlp.lexicon import LexiconError, default_lexicon, load_lexicon

PACKAGED = "cxnlp/resources/completeness_lexicon.yaml"


def _copy(tmp_path, **changes):
    data = yaml.safe_load(open(PACKAGED, encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "ours.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_fields_are_read_by_kind():
    lex = default_lexicon(COMPLETENESS)
    assert set(lex.labelled["need_prototypes"]) == {"question", "request", "problem"}
    assert lex.sentences["social_prototypes"][1] == "Hi there."  # as written, in order
    assert "how" in {p[0] for p in lex.phrases["social_phrases"]}
    assert ("how", "'s", "it", "going") in lex.phrases["social_phrases"]
    assert {"break", "stain"} <= lex.words["problem_lemmas"]


def test_a_copy_is_read_lower_cased_and_hashed_by_content(tmp_path):
    path = _copy(tmp_path, vague_verbs=["Look", " CHECK "], social_phrases=["Good Morning"])
    lex = load_lexicon(COMPLETENESS, path)
    assert lex.words["vague_verbs"] == {"look", "check"}
    assert lex.phrases["social_phrases"] == (("good", "morning"),)
    assert lex.source == str(path)
    assert lex.digest != default_lexicon(COMPLETENESS).digest


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"vague_verbs": "look"}, "vague_verbs"),
        ({"vague_verbs": ["look", 3]}, "vague_verbs"),
        ({"vague_verbs": ["look", "  "]}, "vague_verbs"),
        ({"problem_lemmas": None}, "problem_lemmas"),
        ({"need_prototypes": {"complaint": ["It broke."]}}, "need_prototypes"),
        ({"need_prototypes": ["It broke."]}, "need_prototypes"),
        ({"need_prototypes": {"question": [True]}}, "need_prototypes.question"),
    ],
)
def test_a_bad_field_is_named_in_one_line(tmp_path, changes, field):
    path = _copy(tmp_path, **changes)
    with pytest.raises(LexiconError) as info:
        load_lexicon(COMPLETENESS, path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message and f"field {field!r}" in message


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- look\n- check\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="expected a mapping"):
        load_lexicon(COMPLETENESS, path)
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(LexiconError, match="not valid UTF-8 YAML"):
        load_lexicon(COMPLETENESS, path)


def test_a_copy_of_an_older_version_loads_with_the_fields_added_since(tmp_path, caplog):
    """A deployment's copy made before a field existed keeps loading, with the packaged
    field and a warning; a copy of the current version must have it."""
    spec = dataclasses.replace(COMPLETENESS, version=2, added_in={2: ("additive_phrases",)})
    data = yaml.safe_load(open(PACKAGED, encoding="utf-8"))
    del data["additive_phrases"]
    data["version"] = 1
    data["vague_verbs"] = ["ponder"]
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with caplog.at_level("WARNING"):
        lex = load_lexicon(spec, path)
    assert lex.words["vague_verbs"] == {"ponder"}
    assert lex.phrases["additive_phrases"] == default_lexicon(COMPLETENESS).phrases["additive_phrases"]
    assert "additive_phrases" in caplog.text
    data["version"] = 2
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(LexiconError, match="additive_phrases"):
        load_lexicon(spec, path)


def test_a_lexicon_pickles_for_worker_processes():
    """The nightly batch sends its Scorer, lexicons included, to spawned workers."""
    import pickle

    from cxnlp.dimensions.proactive import default_proactive_lexicon

    lexicon = default_proactive_lexicon()
    copy = pickle.loads(pickle.dumps(lexicon))
    assert copy == lexicon and copy.digest == lexicon.digest
    assert copy.labelled["act_prototypes"]["empathy"] == lexicon.labelled["act_prototypes"]["empathy"]
