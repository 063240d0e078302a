"""The ONNX MiniLM backend: agreement with the torch path, encode contract, export cache."""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cxnlp.embedding import EMBEDDING_DIM
from cxnlp.embedding import onnx as embedding_onnx
from cxnlp.embedding.onnx import OnnxMiniLM, cache_key, default_cache_dir
from cxnlp.resource_files import ResourceError

# Varied on purpose: greetings, complaints, numbers, questions, one-word turns, non-ASCII,
# punctuation only, the empty string and one text past the 256-token truncation.
SENTENCES = [
    "Hello! Thank you for contacting customer service.",
    "How may I help you today?",
    "I have called the service hotline for three hours and nobody answered.",
    "This is unacceptable, I want to speak to a manager right now!",
    "We sincerely apologize for the inconvenience caused.",
    "Could you please provide your account number?",
    "My account number is 1234-5678-90.",
    "The internet connection at my home has been down since yesterday.",
    "Please restart your router and check whether the light turns green.",
    "I already did that twice.",
    "ok",
    "Thanks!",
    "Why was I charged twice for the same bill this month?",
    "A refund will be issued to your card within 5 to 7 working days.",
    "Is there anything else I can help you with?",
    "No, that's all. Goodbye.",
    "The parcel was supposed to arrive on Monday but it never came.",
    "Our technician will visit your address tomorrow between 9 am and noon.",
    "Your data plan includes 20 GB per month.",
    "I'd like to cancel my subscription.",
    "Café crème, naïve résumé and 中国联通 客服",
    "???",
    "",
    "We have escalated your complaint to the relevant department.",
    "Shit! Why can't I get through to anyone?",
    "The weather is lovely today and the cat is asleep on the sofa.",
    "Please hold the line while I check that for you.",
    "Have a nice day!",
    "I bought a watch last year and it broke after a week.",
    "complaint " * 400,
]


def _pair_cosines(vectors: np.ndarray) -> np.ndarray:
    sims = vectors @ vectors.T
    return sims[np.triu_indices(len(vectors), k=1)]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def int8_model(cache_dir) -> OnnxMiniLM:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    start = time.perf_counter()
    model = OnnxMiniLM(cache_dir=cache_dir)
    # A cold export + quantisation takes about 5-15 s on 2 cores; say so if it regresses.
    elapsed = time.perf_counter() - start
    if elapsed > 60:
        sys.stderr.write(f"\nONNX export + quantisation took {elapsed:.0f} s\n")
    return model


@pytest.fixture(scope="module")
def fp32_model(int8_model, cache_dir) -> OnnxMiniLM:
    return OnnxMiniLM(quantize=False, cache_dir=cache_dir)  # the fp32 graph is already there


@pytest.fixture(scope="module")
def torch_vectors(encoder) -> np.ndarray:
    return encoder.encode_raw(SENTENCES)


@pytest.mark.parametrize(
    ("quantize", "min_mean_cosine", "min_pearson"),
    [
        (True, 0.97, 0.98),  # int8 weights and activations: small, bounded drift
        (False, 0.9999, 0.9999),  # same graph in float32: rounding only
    ],
)
def test_agrees_with_torch_path(request, torch_vectors, quantize, min_mean_cosine, min_pearson) -> None:
    model = request.getfixturevalue("int8_model" if quantize else "fp32_model")
    vectors = model.encode(SENTENCES, batch_size=8)
    own_cosines = np.einsum("ij,ij->i", vectors, torch_vectors)
    pearson = np.corrcoef(_pair_cosines(vectors), _pair_cosines(torch_vectors))[0, 1]
    assert own_cosines.mean() > min_mean_cosine
    assert pearson > min_pearson


def test_int8_is_a_different_graph_from_fp32(int8_model, fp32_model) -> None:
    assert int8_model.onnx_path != fp32_model.onnx_path
    assert int8_model.onnx_path.stat().st_size < fp32_model.onnx_path.stat().st_size / 2


def test_output_is_normalised_float32_of_model_width(int8_model) -> None:
    vectors = int8_model.encode(SENTENCES, batch_size=16)
    assert vectors.shape == (len(SENTENCES), EMBEDDING_DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize("texts", [[], ()])
def test_empty_input_gives_empty_matrix(int8_model, texts) -> None:
    vectors = int8_model.encode(texts)
    assert vectors.shape == (0, EMBEDDING_DIM)
    assert vectors.dtype == np.float32


def test_single_string_gives_one_vector(int8_model) -> None:
    vector = int8_model.encode("How may I help you today?")
    assert vector.shape == (EMBEDDING_DIM,)
    np.testing.assert_allclose(vector, int8_model.encode(["How may I help you today?"])[0])


def test_batching_and_length_sorting_keep_input_order(fp32_model) -> None:
    # One at a time there is no padding and no sorting; batched, both happen.
    alone = np.stack([fp32_model.encode([s], batch_size=1)[0] for s in SENTENCES])
    batched = fp32_model.encode(SENTENCES, batch_size=4)
    np.testing.assert_allclose(batched, alone, atol=1e-4)


def test_permuted_input_gives_permuted_output(int8_model) -> None:
    distinct = [s for s in SENTENCES if s.strip("?")]
    perm = np.random.default_rng(0).permutation(len(distinct))
    vectors = int8_model.encode(distinct, batch_size=64)
    permuted = int8_model.encode([distinct[i] for i in perm], batch_size=64)
    np.testing.assert_allclose(permuted, vectors[perm], atol=1e-5)
    # and each sentence is still closest to itself, so rows were not shuffled
    assert (np.argmax(permuted @ vectors.T, axis=1) == perm).all()


def test_second_construction_reuses_the_cached_export(int8_model, cache_dir, monkeypatch) -> None:
    mtime = int8_model.onnx_path.stat().st_mtime_ns

    def _fail(*args, **kwargs):
        raise AssertionError("re-exported although the cache held the graph")

    monkeypatch.setattr(embedding_onnx, "_export_fp32", _fail)
    monkeypatch.setattr(embedding_onnx, "_quantize_int8", _fail)
    again = OnnxMiniLM(cache_dir=cache_dir)
    assert again.onnx_path == int8_model.onnx_path
    assert again.onnx_path.stat().st_mtime_ns == mtime
    assert again.onnx_path.parent.parent == cache_dir


def test_export_leaves_no_temporary_files(int8_model) -> None:
    names = sorted(p.name for p in int8_model.onnx_path.parent.iterdir())
    assert names == sorted([embedding_onnx.FP32_NAME, embedding_onnx.INT8_NAME])


def test_pickle_drops_the_session_and_still_encodes(int8_model) -> None:
    int8_model.encode(["warm"])
    clone = pickle.loads(pickle.dumps(int8_model))
    assert clone._session is None
    np.testing.assert_allclose(clone.encode(SENTENCES[:5]), int8_model.encode(SENTENCES[:5]))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"normalize_embeddings": False}, ValueError),
        ({"convert_to_numpy": False}, ValueError),
        ({"batch_size": 0}, ValueError),
        ({"batch_size": 2.5}, ValueError),
    ],
)
def test_unsupported_encode_options_are_refused(int8_model, kwargs, error) -> None:
    with pytest.raises(error, match="Got"):
        int8_model.encode(["hello"], **kwargs)


def test_non_string_text_is_refused(int8_model) -> None:
    with pytest.raises(TypeError, match="expected str"):
        int8_model.encode(["hello", None])  # type: ignore[list-item]


def test_sentence_transformers_keywords_are_accepted(int8_model) -> None:
    vectors = int8_model.encode(
        ["hello"],
        batch_size=4,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    assert vectors.shape == (1, EMBEDDING_DIM)


@pytest.mark.parametrize("module", ["onnxruntime", "onnx"])
def test_missing_runtime_names_the_install(module, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes ``import module`` raise ImportError
    with pytest.raises(ResourceError, match="pip install onnxruntime onnx"):
        OnnxMiniLM(cache_dir=tmp_path)
    assert not any(tmp_path.iterdir())  # failed before writing anything


def _fake_model(folder: Path, weights: bytes) -> Path:
    folder.mkdir()
    (folder / "config.json").write_text('{"hidden_size": 384}')
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def test_cache_key_follows_file_contents_not_location(tmp_path) -> None:
    first = cache_key(_fake_model(tmp_path / "a", b"weights-1"))
    same_elsewhere = cache_key(_fake_model(tmp_path / "b", b"weights-1"))
    other_weights = cache_key(_fake_model(tmp_path / "c", b"weights-2"))
    assert first == same_elsewhere
    assert first != other_weights


def test_cache_key_refuses_a_folder_without_weights(tmp_path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ResourceError, match="model.safetensors"):
        cache_key(tmp_path)


def test_cache_dir_env_variable_is_honoured(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CXNLP_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path / "onnx"
    monkeypatch.delenv("CXNLP_CACHE_DIR")
    assert default_cache_dir() == Path.home() / ".cache" / "cxnlp" / "onnx"
