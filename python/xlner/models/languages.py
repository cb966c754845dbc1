"""Language codes: ISO 639-1 / ISO 639-3 → FLORES-200 (NLLB) and → the code a given tokenizer uses.

NLLB-200 tokenizers name languages by FLORES-200 codes (``eng_Latn``); M2M100 tokenizers by
ISO 639-1 codes wrapped as ``__en__`` tokens (the tokenizer's ``src_lang`` takes ``en``). Use
:func:`to_flores` for the former and :func:`tokenizer_lang_code` to get whatever the loaded
tokenizer expects.

Two MasakhaNER 2.0 languages have no FLORES-200 / NLLB code: Ghomálá' (``bbj``) and Nigerian
Pidgin (``pcm``). :func:`to_flores` raises for them unless a stand-in is allowed: ``pcm`` →
``eng_Latn`` (an English-based creole), and ``bbj`` has no stand-in (pass ``overrides``).
"""
from __future__ import annotations

from typing import Dict, Mapping, Optional, Tuple

# (ISO 639-1 or "", ISO 639-3, FLORES-200). ISO 639-3 macrolanguage codes map to the variety NLLB has.
_TABLE: Tuple[Tuple[str, str, str], ...] = (
    # Europe
    ("en", "eng", "eng_Latn"), ("de", "deu", "deu_Latn"), ("es", "spa", "spa_Latn"), ("it", "ita", "ita_Latn"),
    ("fr", "fra", "fra_Latn"), ("ro", "ron", "ron_Latn"), ("pt", "por", "por_Latn"), ("nl", "nld", "nld_Latn"),
    ("ca", "cat", "cat_Latn"), ("gl", "glg", "glg_Latn"), ("eu", "eus", "eus_Latn"), ("da", "dan", "dan_Latn"),
    ("sv", "swe", "swe_Latn"), ("nb", "nob", "nob_Latn"), ("no", "nor", "nob_Latn"), ("fi", "fin", "fin_Latn"),
    ("et", "est", "est_Latn"), ("lv", "lav", "lvs_Latn"), ("lt", "lit", "lit_Latn"), ("pl", "pol", "pol_Latn"),
    ("cs", "ces", "ces_Latn"), ("sk", "slk", "slk_Latn"), ("sl", "slv", "slv_Latn"), ("hr", "hrv", "hrv_Latn"),
    ("sr", "srp", "srp_Cyrl"), ("bs", "bos", "bos_Latn"), ("hu", "hun", "hun_Latn"), ("bg", "bul", "bul_Cyrl"),
    ("mk", "mkd", "mkd_Cyrl"), ("el", "ell", "ell_Grek"), ("ru", "rus", "rus_Cyrl"), ("uk", "ukr", "ukr_Cyrl"),
    ("be", "bel", "bel_Cyrl"), ("ga", "gle", "gle_Latn"), ("cy", "cym", "cym_Latn"), ("is", "isl", "isl_Latn"),
    ("mt", "mlt", "mlt_Latn"), ("sq", "sqi", "als_Latn"), ("tr", "tur", "tur_Latn"), ("lb", "ltz", "ltz_Latn"),
    # Asia
    ("ar", "ara", "arb_Arab"), ("he", "heb", "heb_Hebr"), ("fa", "fas", "pes_Arab"), ("hi", "hin", "hin_Deva"),
    ("bn", "ben", "ben_Beng"), ("ur", "urd", "urd_Arab"), ("ta", "tam", "tam_Taml"), ("te", "tel", "tel_Telu"),
    ("mr", "mar", "mar_Deva"), ("zh", "zho", "zho_Hans"), ("ja", "jpn", "jpn_Jpan"), ("ko", "kor", "kor_Hang"),
    ("vi", "vie", "vie_Latn"), ("th", "tha", "tha_Thai"), ("id", "ind", "ind_Latn"), ("ms", "msa", "zsm_Latn"),
    ("tl", "tgl", "tgl_Latn"), ("ka", "kat", "kat_Geor"), ("hy", "hye", "hye_Armn"), ("kk", "kaz", "kaz_Cyrl"),
    # Africa (MasakhaNER 2.0 languages and neighbours)
    ("bm", "bam", "bam_Latn"), ("ee", "ewe", "ewe_Latn"), ("", "fon", "fon_Latn"), ("ha", "hau", "hau_Latn"),
    ("ig", "ibo", "ibo_Latn"), ("rw", "kin", "kin_Latn"), ("lg", "lug", "lug_Latn"), ("", "luo", "luo_Latn"),
    ("", "mos", "mos_Latn"), ("ny", "nya", "nya_Latn"), ("sn", "sna", "sna_Latn"), ("sw", "swa", "swh_Latn"),
    ("", "swh", "swh_Latn"), ("tn", "tsn", "tsn_Latn"), ("tw", "twi", "twi_Latn"), ("ak", "aka", "aka_Latn"),
    ("wo", "wol", "wol_Latn"), ("xh", "xho", "xho_Latn"), ("yo", "yor", "yor_Latn"), ("zu", "zul", "zul_Latn"),
    ("am", "amh", "amh_Ethi"), ("so", "som", "som_Latn"), ("af", "afr", "afr_Latn"), ("ln", "lin", "lin_Latn"),
    ("om", "orm", "gaz_Latn"), ("ti", "tir", "tir_Ethi"), ("st", "sot", "sot_Latn"), ("mg", "mlg", "plt_Latn"),
)

#: ISO code (639-1 or 639-3, lower case) → FLORES-200 code.
ISO_TO_FLORES: Dict[str, str] = {}
for _iso1, _iso3, _flores in _TABLE:
    if _iso1:
        ISO_TO_FLORES.setdefault(_iso1, _flores)
    ISO_TO_FLORES.setdefault(_iso3, _flores)

#: FLORES-200 code → ISO 639-1 code (for M2M100-style tokenizers), where one exists.
FLORES_TO_ISO1: Dict[str, str] = {}
for _iso1, _iso3, _flores in _TABLE:
    if _iso1:
        FLORES_TO_ISO1.setdefault(_flores, _iso1)

#: Languages without a FLORES-200 code, with the stand-in used when ``allow_stand_in=True`` (None: none).
NO_FLORES_CODE: Dict[str, Optional[str]] = {"pcm": "eng_Latn", "bbj": None}


def _is_flores(code: str) -> bool:
    parts = code.split("_")
    return len(parts) == 2 and len(parts[0]) == 3 and len(parts[1]) == 4 and parts[0].islower() and parts[1].istitle()


def to_flores(code: str, *, allow_stand_in: bool = False, overrides: Optional[Mapping[str, str]] = None) -> str:
    """FLORES-200 code for an ISO 639-1/639-3 code (``"de"``/``"deu"`` → ``"deu_Latn"``).

    A FLORES code is returned unchanged; region/script suffixes of ISO codes (``pt-BR``, ``en_US``) are ignored.
    ``overrides`` takes precedence over the built-in table. ``pcm`` maps to its stand-in ``eng_Latn`` only
    with ``allow_stand_in=True``. Unknown codes raise ``ValueError``.
    """
    if not isinstance(code, str) or not code.strip():
        raise ValueError(f"language code must be a non-empty string, got {code!r}")
    code = code.strip()
    if overrides and code in overrides:
        return overrides[code]
    if _is_flores(code):
        return code
    base = code.replace("_", "-").split("-")[0].lower()
    if overrides and base in overrides:
        return overrides[base]
    if base in ISO_TO_FLORES:
        return ISO_TO_FLORES[base]
    if base in NO_FLORES_CODE:
        stand_in = NO_FLORES_CODE[base]
        if allow_stand_in and stand_in is not None:
            return stand_in
        hint = f" (stand-in {stand_in!r} with allow_stand_in=True)" if stand_in else ""
        raise ValueError(f"language {code!r} has no FLORES-200 / NLLB code{hint}; pass overrides={{{base!r}: ...}}")
    raise ValueError(f"unknown language code {code!r}: not FLORES-200 and not in the ISO 639 table; "
                     f"pass overrides={{{code!r}: 'xxx_Latn'}}")


def tokenizer_lang_code(code: str, tokenizer: object, *, allow_stand_in: bool = False,
                        overrides: Optional[Mapping[str, str]] = None) -> Tuple[str, int]:
    """The language code a loaded tokenizer expects for ``code`` and the id of its language token.

    NLLB-style tokenizers (FLORES codes as tokens) get the FLORES code; M2M100-style tokenizers
    (``__en__`` tokens) get the ISO 639-1 code. Returns ``(code for tokenizer.src_lang/tgt_lang, token id)``;
    ``ValueError`` when the tokenizer has no token for the language.
    """
    vocab = tokenizer.get_vocab()  # type: ignore[attr-defined]
    unk = getattr(tokenizer, "unk_token_id", None)

    def tid(token: str) -> Optional[int]:
        if token in vocab:
            return int(vocab[token])
        # some tokenizers (M2M100) keep language tokens outside get_vocab()
        conv = getattr(tokenizer, "convert_tokens_to_ids", None)
        i = conv(token) if conv is not None else None
        return int(i) if i is not None and i != unk else None

    if overrides and code in overrides and tid(overrides[code]) is not None:
        return overrides[code], tid(overrides[code])  # type: ignore[return-value]
    if _is_flores(code) and tid(code) is not None:  # already the tokenizer's own token (e.g. "eng_Latn")
        return code, tid(code)  # type: ignore[return-value]
    if tid(f"__{code}__") is not None:
        return code, tid(f"__{code}__")  # type: ignore[return-value]
    flores = to_flores(code, allow_stand_in=allow_stand_in, overrides=overrides)
    if tid(flores) is not None:
        return flores, tid(flores)  # type: ignore[return-value]
    iso1 = FLORES_TO_ISO1.get(flores)
    if iso1 is not None and tid(f"__{iso1}__") is not None:
        return iso1, tid(f"__{iso1}__")  # type: ignore[return-value]
    raise ValueError(f"language {code!r} (FLORES {flores!r}) has no language token in this tokenizer")
