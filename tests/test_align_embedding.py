"""Embedding aligner on a tiny BERT built here (random weights, WordPiece trained on the fly), loaded
through the real AutoModel/AutoTokenizer path from a local directory; nothing is downloaded."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

from xlner.align import EmbeddingAligner, EmbeddingAlignerConfig, extract, subword_links_to_words, word_similarity  # noqa: E402

CORPUS = [
    "the parliament adopted the resolution on fisheries policy",
    "das parlament nahm die entschliessung zur fischereipolitik an",
    "la commissione ha presentato una proposta sulla politica agricola",
    "the commission presented a proposal on agricultural policy",
    "madam president i would like to thank the rapporteur",
]


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, BertTokenizerFast

    d = tmp_path_factory.mktemp("tiny-bert")
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=120, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tok.train_from_iterator(CORPUS, trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
                                                       special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)])
    fast = BertTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                             sep_token="[SEP]", mask_token="[MASK]")
    fast.save_pretrained(d)
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=fast.vocab_size, hidden_size=32, num_hidden_layers=3, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64)
    BertModel(cfg).save_pretrained(d)
    return str(d)


def manual_word_vectors(model_dir, words, layer):
    """Independent path: one sentence at a time, word pieces grouped by word_ids, mean-pooled."""
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()
    enc = tok(words, is_split_into_words=True, return_tensors="pt")
    with torch.no_grad():
        hs = model(**enc, output_hidden_states=True).hidden_states[layer][0].numpy()
    wid = enc.word_ids(0)
    return np.stack([hs[[k for k, w in enumerate(wid) if w == i]].mean(0) for i in range(len(words))])


def test_similarity_matches_unbatched_manual_computation(tiny_model_dir):
    src = [["the", "parliament", "adopted", "the", "resolution"], ["madam", "president"]]
    tgt = [["das", "parlament", "nahm", "die", "entschliessung", "an"], ["president", "madam", "i"]]
    al = EmbeddingAligner(EmbeddingAlignerConfig(model=tiny_model_dir, layer=2, device="cpu", batch_size=2))
    mats = al.similarity_matrices(src, tgt)
    for i in range(2):
        a = manual_word_vectors(tiny_model_dir, src[i], 2)
        b = manual_word_vectors(tiny_model_dir, tgt[i], 2)
        a /= np.linalg.norm(a, axis=1, keepdims=True)
        b /= np.linalg.norm(b, axis=1, keepdims=True)
        assert mats[i].shape == (len(src[i]), len(tgt[i]))
        np.testing.assert_allclose(mats[i], a @ b.T, atol=2e-5)


@pytest.fixture(scope="module")
def loaded(tiny_model_dir):
    from transformers import AutoModel, AutoTokenizer

    return AutoModel.from_pretrained(tiny_model_dir), AutoTokenizer.from_pretrained(tiny_model_dir)


@pytest.mark.parametrize("method", ["argmax", "itermax", "match"])
@pytest.mark.parametrize("pooling", ["mean", "first", "max", "subword"])
def test_sentence_aligned_with_itself_is_diagonal(tiny_model_dir, loaded, method, pooling):
    s = ["commission", "presented", "proposal", "on", "agricultural", "policy"]
    model, tok = loaded
    al = EmbeddingAligner(EmbeddingAlignerConfig(model=tiny_model_dir, layer=3, method=method, pooling=pooling,
                                                 device="cpu"), model=model, tokenizer=tok)
    assert al.align(s, s) == [(i, i) for i in range(len(s))]


def test_softmax_uses_dot_products_and_c_extraction(tiny_model_dir):
    cfg = EmbeddingAlignerConfig(model=tiny_model_dir, layer=1, method="softmax", device="cpu")
    assert cfg.similarity_kind == "dot"
    al = EmbeddingAligner(cfg)
    src, tgt = [["the", "policy"]], [["la", "politica", "agricola"]]
    es, et = al.embed(src), al.embed(tgt)
    m = word_similarity(es[0][0], et[0][0], es[0][1], et[0][1], 2, 3, pooling="mean", similarity="dot")
    assert al.align_batch(src, tgt) == [extract(m, "softmax")]


def test_word_similarity_mapping_by_hand():
    # 2 source words: word 0 = subwords 1, 2 (0 is a special token), word 1 = subword 3.
    src = np.array([[9.0, 9.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    tgt = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    ids_s = [None, 0, 0, 1]
    ids_t = [0, 1]
    mean = word_similarity(src, tgt, ids_s, ids_t, 2, 2, pooling="mean", similarity="dot")
    np.testing.assert_allclose(mean, [[0.5, 0.5], [1.0, 1.0]])
    first = word_similarity(src, tgt, ids_s, ids_t, 2, 2, pooling="first", similarity="dot")
    np.testing.assert_allclose(first, [[1.0, 0.0], [1.0, 1.0]])
    mx = word_similarity(src, tgt, ids_s, ids_t, 2, 2, pooling="max", similarity="dot")
    np.testing.assert_allclose(mx, [[1.0, 1.0], [1.0, 1.0]])
    # a word without subwords (truncated) gets the lowest value of the matrix minus 1
    trunc = word_similarity(src, tgt, ids_s, ids_t, 3, 2, pooling="mean", similarity="dot")
    np.testing.assert_allclose(trunc[2], [-0.5, -0.5])
    assert subword_links_to_words([(1, 0), (2, 0), (3, 1), (0, 1)], [None, 0, 0, 1], [0, 1]) == [(0, 0), (1, 1)]


def test_errors(tiny_model_dir):
    with pytest.raises(ValueError, match="pooling"):
        EmbeddingAlignerConfig(pooling="sum")
    with pytest.raises(ValueError, match="layer 9 does not exist"):
        EmbeddingAligner(EmbeddingAlignerConfig(model=tiny_model_dir, layer=9, device="cpu"))
    al = EmbeddingAligner(EmbeddingAlignerConfig(model=tiny_model_dir, layer=1, device="cpu"))
    with pytest.raises(ValueError, match="sentence 0, field src"):
        al.align_batch(["the policy"], [["la"]])
    assert al.align_batch([[], ["policy"]], [["la"], []]) == [[], []]


def test_apply_distortion_by_hand():
    from xlner.align.embedding import apply_distortion

    s = np.ones((3, 2), dtype=np.float32)
    # positions i/(m-1) = 0, .5, 1; j/(n-1) = 0, 1 -> (i - j)^2 = [[0, 1], [.25, .25], [1, 0]]
    np.testing.assert_allclose(apply_distortion(s, 0.5), [[1, 0.5], [0.875, 0.875], [0.5, 1]])
    assert apply_distortion(np.ones((1, 4)), 0.5).tolist() == [[1, 1, 1, 1]]
