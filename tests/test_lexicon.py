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


def _older_copy(tmp_path, resource: str, version: int, drop, **changes):
    """A deployment's copy of packaged ``resource`` as of ``version``: without the fields
    in ``drop`` (added since), with ``changes``."""
    data = yaml.safe_load(open(f"cxnlp/resources/{resource}", encoding="utf-8"))
    for name in drop:
        del data[name]
    data.update(changes, version=version)
    path = tmp_path / f"v{version}-{resource}"
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
    path = _copy(tmp_path, benign_negated=["Know", " MIND "], social_phrases=["Good Morning"])
    lex = load_lexicon(COMPLETENESS, path)
    assert lex.words["benign_negated"] == {"know", "mind"}
    assert lex.phrases["social_phrases"] == (("good", "morning"),)
    assert lex.source == str(path)
    assert lex.digest != default_lexicon(COMPLETENESS).digest


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"benign_negated": "know"}, "benign_negated"),
        ({"benign_negated": ["know", 3]}, "benign_negated"),
        ({"benign_negated": ["know", "  "]}, "benign_negated"),
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
    spec = dataclasses.replace(COMPLETENESS, version=3, added_in={3: ("additive_phrases",)})
    path = _older_copy(
        tmp_path, "completeness_lexicon.yaml", 2, ["additive_phrases"], benign_negated=["ponder"]
    )
    with caplog.at_level("WARNING"):
        lex = load_lexicon(spec, path)
    assert lex.words["benign_negated"] == {"ponder"}
    assert lex.phrases["additive_phrases"] == default_lexicon(COMPLETENESS).phrases["additive_phrases"]
    assert "additive_phrases" in caplog.text
    path = _older_copy(tmp_path, "completeness_lexicon.yaml", 3, ["additive_phrases"])
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


def test_a_completeness_copy_of_version_1_loads_and_says_where_vague_verbs_went(tmp_path, caplog):
    """Version 2 moved vague_verbs to reply_functions.yaml (attention_verbs) and the need
    patterns' request words into the file: a version 1 copy loads with the packaged request
    words, and the warning says its vague_verbs are no longer read here."""
    path = _older_copy(
        tmp_path, "completeness_lexicon.yaml", 1, COMPLETENESS.added_in[2], vague_verbs=["look", "ponder"]
    )
    with caplog.at_level("WARNING"):
        lex = load_lexicon(COMPLETENESS, path)
    assert lex.words["request_verbs"] == default_lexicon(COMPLETENESS).words["request_verbs"]
    assert "request_verbs" in caplog.text
    assert "'vague_verbs' is no longer read here" in caplog.text and "attention_verbs" in caplog.text
    assert "vague_verbs" not in lex.words


def test_a_proactive_copy_of_version_1_loads_with_the_word_lists_moved_out_of_code(tmp_path, caplog):
    from cxnlp.dimensions.proactive import LEXICON as PROACTIVE

    path = _older_copy(tmp_path, "proactive_lexicon.yaml", 1, PROACTIVE.added_in[2], greetings=["howdy"])
    with caplog.at_level("WARNING"):
        lex = load_lexicon(PROACTIVE, path)
    assert lex.words["greetings"] == {"howdy"}
    assert lex.words["promise_hedges"] == default_lexicon(PROACTIVE).words["promise_hedges"]
    assert "promise_hedges" in caplog.text


def test_the_reply_lexicon_holds_each_verb_of_no_action_once():
    """attention_verbs (no content either: what informativeness reads) and non_action_verbs
    are disjoint, and the reply readings read both; yes/no words and the other polar
    openers too."""
    from cxnlp.dimensions.replies import default_reply_lexicon

    lex = default_reply_lexicon()
    assert not lex["attention_verbs"] & lex["non_action_verbs"]
    assert lex.inaction_verbs == lex["attention_verbs"] | lex["non_action_verbs"]
    assert {"look", "check"} <= lex["attention_verbs"] and {"call", "read"} <= lex["non_action_verbs"]
    assert not lex["yes_no_words"] & lex["polar_answers"]


def test_a_reply_copy_of_version_3_keeps_its_vague_and_duration_words(tmp_path, caplog):
    """A version 3 copy has one list of verbs that are no action, vague_verbs, and one of
    durations, duration_words: they are read as non_action_verbs (with the packaged
    attention_verbs) and duration_units; the lists version 4 moved out of code come from the
    packaged file, with a warning."""
    from cxnlp.dimensions.replies import LEXICON as REPLIES
    from cxnlp.dimensions.replies import default_reply_lexicon, load_reply_lexicon

    packaged = default_reply_lexicon()
    path = _older_copy(
        tmp_path,
        "reply_functions.yaml",
        3,
        REPLIES.added_in[4],
        vague_verbs=["ponder", "look"],
        duration_words=["fortnight", "days"],
    )
    with caplog.at_level("WARNING"):
        lex = load_reply_lexicon(path)
    assert lex["non_action_verbs"] == {"ponder", "look"}
    assert lex.inaction_verbs == packaged["attention_verbs"] | {"ponder"}
    assert lex["duration_units"] == {"fortnight", "days"} and "fortnight" in lex.duration_words
    assert lex["state_words"] == packaged["state_words"]
    assert "attention_verbs" in caplog.text and "reading 'vague_verbs' as 'non_action_verbs'" in caplog.text


def test_a_proactive_copy_of_version_2_loads_with_the_look_ahead_lists_of_version_3(tmp_path, caplog):
    """Version 3 added the words of anticipation as an offer or a contingency, of messages
    the agent will send and of normalised feelings: a version 2 copy keeps its own lists and
    takes these from the packaged file, with a warning naming them."""
    from cxnlp.dimensions.proactive import LEXICON as PROACTIVE

    path = _older_copy(tmp_path, "proactive_lexicon.yaml", 2, PROACTIVE.added_in[3], greetings=["howdy"])
    with caplog.at_level("WARNING"):
        lex = load_lexicon(PROACTIVE, path)
    assert lex.words["greetings"] == {"howdy"}
    assert lex.words["offer_wishes"] == default_lexicon(PROACTIVE).words["offer_wishes"]
    assert "message_verbs" in caplog.text
