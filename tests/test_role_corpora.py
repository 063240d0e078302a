"""The recommendation dialogues the role model is fitted on (ReDial) and checked against (IARD).

They live under benchmarks/data/ with their provenance and licence; the role model is
fitted on ReDial only, so an IARD dialogue found in the ReDial file would make the IARD
figures a training score. These checks read the stored files as cxnlp reads any JSONL.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cxnlp.ingest import read_transcripts
from cxnlp.model import Transcript

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data"
CORPORA = {"redial": DATA / "redial" / "dialogues.jsonl", "iard": DATA / "iard" / "dialogues.jsonl"}


def _records(name: str) -> list[dict]:
    return [json.loads(line) for line in CORPORA[name].read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_every_dialogue_reads_and_has_one_agent_and_one_customer(name):
    items = list(read_transcripts(CORPORA[name], format="jsonl"))
    assert items and all(isinstance(t, Transcript) for t in items)
    assert all({turn.speaker for turn in t.turns} == {"agent", "customer"} for t in items)
    assert (DATA / name / "README.md").read_text(encoding="utf-8").count("Licence") == 1


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_movie_mentions_are_written_as_titles(name):
    texts = [turn["text"] for record in _records(name) for turn in record["turns"]]
    assert not any(re.search(r"@\d{3,}", text) for text in texts)
    assert sum('"' in text and re.search(r"\(\d{4}\)", text) is not None for text in texts) > 100


def test_no_iard_dialogue_is_in_the_fitted_redial_file():
    def numbers(name: str) -> set[str]:
        return {record["id"].split("-", 1)[1] for record in _records(name)}

    assert numbers("redial") and numbers("iard")
    assert not numbers("redial") & numbers("iard")


def test_the_abcd_chats_read_with_both_roles_and_carry_their_licence():
    items = list(read_transcripts(DATA / "abcd" / "dialogues.jsonl", format="jsonl"))
    assert len(items) == 3 and all(isinstance(t, Transcript) for t in items)
    assert all({turn.speaker for turn in t.turns} == {"agent", "customer"} for t in items)
    readme = (DATA / "abcd" / "README.md").read_text(encoding="utf-8")
    assert "MIT" in readme and "6b8700ce67c6b37b062dd7a60abc76d7ef832a97" in readme
    assert "MIT License" in (DATA / "abcd" / "LICENSE").read_text(encoding="utf-8")


def test_abcd_actions_are_dropped_and_a_speakers_messages_joined():
    from benchmarks.make_abcd_roles import records

    chat = {
        "convo_id": 12,
        "original": [
            ["agent", "Hi!"],
            ["agent", " How can I  help?"],
            ["action", "Account has been pulled up."],
            ["customer", "My jeans are the wrong size."],
            ["customer", ""],
        ],
    }
    assert records([chat]) == [
        {
            "id": "abcd-12",
            "turns": [
                {"speaker": "agent", "text": "Hi! How can I help?"},
                {"speaker": "customer", "text": "My jeans are the wrong size."},
            ],
        }
    ]


@pytest.mark.parametrize("name", ["STC-3", "IARD"])
def test_train_roles_refuses_a_corpus_whose_licence_forbids_shipping(name, capsys):
    from benchmarks.train_roles import main, training_corpora

    with pytest.raises(ValueError, match=f"{name}.*licence.*evaluation only"):
        training_corpora((name,))
    with pytest.raises(SystemExit) as exit_:
        main(["--corpus", "ReDial", "--corpus", name, "--out", "unused.json"])
    assert exit_.value.code == 2
    assert f"corpus '{name}' cannot be fitted on" in capsys.readouterr().err
    assert not Path("unused.json").exists()


def test_templated_calls_get_at_most_their_share_of_customer_service_weight():
    import numpy as np

    from benchmarks.bench_roles import CORPORA
    from benchmarks.train_roles import TEMPLATED_SHARE, balanced_weights

    index = {c.name: i for i, c in enumerate(CORPORA)}
    corpus = np.array([index["cxnlp-calls"]] * 5 + [index["cxnlp-sample"]] * 95 + [index["ReDial"]] * 50)
    weight = balanced_weights(corpus)
    service, templated = weight[:100].sum(), weight[5:100].sum()
    assert weight.mean() == pytest.approx(1.0)
    assert service == pytest.approx(weight[100:].sum())
    assert templated / service == pytest.approx(TEMPLATED_SHARE)


def test_the_social_care_threads_read_with_both_roles_and_carry_their_licence():
    path = DATA / "social" / "dialogues.jsonl"
    items = list(read_transcripts(path, format="jsonl"))
    assert len(items) >= 40 and all(isinstance(t, Transcript) for t in items)
    assert all({turn.speaker for turn in t.turns} == {"agent", "customer"} for t in items)
    assert all(t.turns[0].speaker == "customer" for t in items)
    readme = (DATA / "social" / "README.md").read_text(encoding="utf-8")
    assert readme.count("Licence") == 1 and "MIT" in readme


def test_an_opening_split_keeps_a_dialogue_filed_twice_in_one_half_and_a_parity_split_reads_the_id():
    from benchmarks.bench_roles import split_of
    from cxnlp.model import Turn

    def dialogue(id_: str, *texts: str) -> Transcript:
        speakers = ("agent", "customer")
        return Transcript(id_, tuple(Turn(speakers[i % 2], text) for i, text in enumerate(texts)))

    opening = ("Hi! What kind of movies do you like?", "Horror, please.", 'Try "Hush (2016)".')
    first = dialogue("KM", *opening, "Thanks, bye.")
    # The same dialogue under another id, punctuated differently and ending otherwise.
    copy = dialogue("6C", *(text.upper().replace("!", ".") for text in opening), "You too. Bye.")
    assert split_of(first, "opening") == split_of(copy, "opening")
    halves = {split_of(dialogue("x", f"hello {i}", "hi", "ok"), "opening") for i in range(40)}
    assert halves == {"dev", "held-out"}
    assert split_of(dialogue("redial-12", "a"), "parity") == "dev"
    assert split_of(dialogue("redial-13", "a"), "parity") == "held-out"
    assert split_of(dialogue("KM", "a")) == "held-out"
    with pytest.raises(ValueError, match="expected 'parity' or 'opening'"):
        split_of(first, "random")


def test_abredial_source_lines_are_distinctive_and_carry_the_redial_role(tmp_path):
    """A line typed in two ReDial conversations proves nothing (a worker reused it, or it
    is stock); one typed once ties a dialogue to its source, with the sender's role."""
    from benchmarks.abredial_sources import normal, redial_lines

    opening = "Hello have you seen @91332 ? I highly recommend it if you have time."
    reply = "I think that one is a really great film with wonderful actors."

    def conversation(cid: str, seeker: int, texts: list[tuple[int, str]]) -> str:
        messages = [{"senderWorkerId": w, "text": t} for w, t in texts]
        record = {"conversationId": cid, "initiatorWorkerId": seeker, "respondentWorkerId": 99}
        return json.dumps({**record, "messages": messages})

    path = tmp_path / "redial.jsonl"
    path.write_text(
        conversation("1", 545, [(545, opening), (99, reply)])
        + "\n"
        + conversation("2", 7, [(99, opening), (7, "short")])
        + "\n"
    )
    lines = redial_lines([path])
    titled = normal('Have you seen "Pulp Fiction (1994)" ?')
    assert titled == normal("have you seen @91332?") == "have you seen"
    assert normal(opening) not in lines  # typed in both conversations, by the seeker and the recommender
    assert lines[normal(reply)] == [("1", "recommender")]
    assert normal("short") not in lines  # too short to tie anything


def test_the_taskmaster_orders_read_with_both_roles_and_carry_their_licence():
    path = DATA / "taskmaster" / "dialogues.jsonl"
    items = list(read_transcripts(path, format="jsonl"))
    assert len(items) == 1000 and all(isinstance(t, Transcript) for t in items)
    assert all({turn.speaker for turn in t.turns} == {"agent", "customer"} for t in items)
    # A speaker's consecutive utterances are one turn.
    assert all(a.speaker != b.speaker for t in items for a, b in zip(t.turns, t.turns[1:], strict=False))
    readme = (DATA / "taskmaster" / "README.md").read_text(encoding="utf-8")
    assert readme.count("Licence") == 1 and "Creative Commons Attribution 4.0" in readme
    assert "d92cb6af3005f1dc09c39e75e7daf4a04905e00b" in readme


def test_a_capped_corpus_gets_at_most_its_share_and_the_others_keep_theirs():
    import numpy as np

    from benchmarks.bench_roles import CORPORA
    from benchmarks.train_roles import balanced_weights

    index = {c.name: i for i, c in enumerate(CORPORA)}
    cap = CORPORA[index["Taskmaster-4"]].max_share
    assert cap is not None and 0 < cap < 1
    corpus = np.array(
        [index["cxnlp-calls"]] * 10
        + [index["cxnlp-social"]] * 10
        + [index["Taskmaster-4"]] * 480
        + [index["ReDial"]] * 100
    )
    weight = balanced_weights(corpus)
    service = weight[:500].sum()
    assert weight.mean() == pytest.approx(1.0)
    assert service == pytest.approx(weight[500:].sum())
    assert weight[20:500].sum() / service == pytest.approx(cap)
    # The uncapped corpora of the kind share the rest equally per row, as before.
    assert weight[:10].sum() == pytest.approx(weight[10:20].sum())
    # Under its cap a corpus weighs like any other row.
    few = np.array([index["cxnlp-calls"]] * 90 + [index["Taskmaster-4"]] * 10)
    assert np.allclose(balanced_weights(few), 1.0)


def test_taskmaster_is_fitted_only_when_asked_for():
    from benchmarks.train_roles import DEFAULT_CORPORA, NOT_FITTED_BY_DEFAULT, training_corpora

    assert "Taskmaster-4" in NOT_FITTED_BY_DEFAULT and "Taskmaster-4" not in DEFAULT_CORPORA
    assert {"AB-ReDial", "ReDial", "cxnlp-social"} <= set(DEFAULT_CORPORA)
    assert [c.name for c in training_corpora(("Taskmaster-4",))] == ["Taskmaster-4"]
