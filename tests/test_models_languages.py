"""Language codes: ISO 639-1/639-3 → FLORES-200, and the code a tokenizer expects."""
from __future__ import annotations

import pytest

from xlner.models.languages import ISO_TO_FLORES, NO_FLORES_CODE, to_flores, tokenizer_lang_code

MASAKHANER2 = ["bam", "bbj", "ewe", "fon", "hau", "ibo", "kin", "lug", "luo", "mos", "nya", "pcm", "sna", "swa",
               "tsn", "twi", "wol", "xho", "yor", "zul"]

# FLORES-200 codes of the NLLB-200 release (hand-checked against its language list)
EXPECTED = {
    "en": "eng_Latn", "de": "deu_Latn", "es": "spa_Latn", "it": "ita_Latn", "fr": "fra_Latn", "ro": "ron_Latn",
    "bam": "bam_Latn", "ewe": "ewe_Latn", "fon": "fon_Latn", "hau": "hau_Latn", "ibo": "ibo_Latn",
    "kin": "kin_Latn", "lug": "lug_Latn", "luo": "luo_Latn", "mos": "mos_Latn", "nya": "nya_Latn",
    "sna": "sna_Latn", "swa": "swh_Latn", "tsn": "tsn_Latn", "twi": "twi_Latn", "wol": "wol_Latn",
    "xho": "xho_Latn", "yor": "yor_Latn", "zul": "zul_Latn",
}


def test_data_languages_map_to_flores():
    for iso, flores in EXPECTED.items():
        assert to_flores(iso) == flores
    # ISO 639-1 and 639-3 spellings agree
    for iso1, iso3 in [("en", "eng"), ("de", "deu"), ("ro", "ron"), ("sw", "swa"), ("yo", "yor"), ("ha", "hau"),
                       ("bm", "bam"), ("zu", "zul")]:
        assert to_flores(iso1) == to_flores(iso3)


def test_masakhaner_folders_are_all_known(shared_data):
    folders = sorted(p.name for p in (shared_data / "masakhaner2").iterdir() if p.is_dir())
    assert folders == MASAKHANER2
    for lang in folders:
        assert lang in ISO_TO_FLORES or lang in NO_FLORES_CODE


def test_languages_without_flores_code():
    with pytest.raises(ValueError, match="no FLORES-200"):
        to_flores("pcm")
    assert to_flores("pcm", allow_stand_in=True) == "eng_Latn"
    with pytest.raises(ValueError, match="overrides"):
        to_flores("bbj", allow_stand_in=True)
    assert to_flores("bbj", overrides={"bbj": "fra_Latn"}) == "fra_Latn"


def test_flores_passthrough_regions_and_errors():
    assert to_flores("zul_Latn") == "zul_Latn"
    assert to_flores("pt-BR") == "por_Latn"
    assert to_flores("EN_us") == "eng_Latn"
    assert to_flores("de", overrides={"de": "gsw_Latn"}) == "gsw_Latn"
    for bad in ["", "xx", "klingon"]:
        with pytest.raises(ValueError):
            to_flores(bad)


class _Vocab:
    def __init__(self, tokens):
        self._v = {t: i for i, t in enumerate(tokens)}

    def get_vocab(self):
        return dict(self._v)


def test_tokenizer_lang_code_nllb_and_m2m100_styles():
    nllb = _Vocab(["<s>", "en", "de", "eng_Latn", "deu_Latn", "swh_Latn"])
    assert tokenizer_lang_code("en", nllb) == ("eng_Latn", 3)  # the subword "en" is not a language token
    assert tokenizer_lang_code("swa", nllb) == ("swh_Latn", 5)
    assert tokenizer_lang_code("deu_Latn", nllb) == ("deu_Latn", 4)
    m2m = _Vocab(["<s>", "__en__", "__de__", "__sw__"])
    assert tokenizer_lang_code("en", m2m) == ("en", 1)
    assert tokenizer_lang_code("deu", m2m) == ("de", 2)
    assert tokenizer_lang_code("swh_Latn", m2m) == ("sw", 3)
    with pytest.raises(ValueError, match="no language token"):
        tokenizer_lang_code("yor", m2m)
