"""The defaults of the alignment recipe and of the aligners' command-line options, in a module that imports
nothing: the parsers of ``xlner project`` and ``xlner align`` show them in their help without loading the
aligners (numpy, the C++ core), which every ``xlner project`` run would otherwise pay at start-up.

The names are also importable from the modules that use them (:mod:`xlner.align.recipe`,
:mod:`xlner.align.gibbs`, :mod:`xlner.align.extraction`).
"""
from __future__ import annotations

#: Extraction methods of :func:`xlner.align.extraction.extract` (links from a similarity matrix).
EXTRACTION_METHODS = ("argmax", "itermax", "match", "softmax")

#: Symmetrisation heuristics of :func:`xlner.align.extraction.symmetrize` (the C++ core).
SYMMETRIZATION_METHODS = ("intersection", "union", "grow-diag", "grow-diag-final", "grow-diag-final-and")

#: The default seed of the Gibbs aligner (every run with the defaults gives the same links).
DEFAULT_SEED = 0

#: Statistical aligners the recipe can use: ``gibbs`` (ours, seeded, the default) and ``eflomal``
#: (optional GPL-3.0 extra; random on every run).
RECIPE_ALIGNERS = ("gibbs", "eflomal")

#: The default aligner of ``xlner align`` and of ``xlner project`` without ``--alignments``.
DEFAULT_ALIGNER = "gibbs"

#: Default stem length: words cut to their first 5 characters for training (the offline recipe of the
#: Europarl-NER study, chosen there over whole words).
DEFAULT_STEM = 5

#: Default symmetrisation of the recipe: ``auto`` is ``intersection`` when the aligner trains on fewer than
#: :data:`AUTO_SYMMETRIZATION_PAIRS` sentence pairs (the pairs to align plus the extra text), else
#: ``grow-diag-final-and``. Chosen on the selection half of Europarl-NER at both sizes: trained on its ~800
#: pairs alone, intersection wins (precision: a small corpus leaves function words wrongly attached to
#: names); with the ~20 k conll2003-deepl pairs added, grow-diag-final-and wins.
DEFAULT_SYMMETRIZATION = "auto"

#: Training-corpus size from which ``auto`` symmetrises with grow-diag-final-and.
AUTO_SYMMETRIZATION_PAIRS = 5000

#: Dirichlet prior of the Gibbs aligner's lexical distributions in the recipe: sparser than the aligner's
#: general default (0.001), which suits a small corpus (chosen on the selection half of Europarl-NER).
DEFAULT_LEX_ALPHA = 1e-4

#: Orthographic prior of the Gibbs aligner in the recipe (:class:`~xlner.align.gibbs.GibbsConfig.sim_prior`).
DEFAULT_SIM_PRIOR = 1.0

#: Agreement between the two directions of the Gibbs aligner (:class:`~xlner.align.gibbs.GibbsConfig.agreement`)
#: when it trains on fewer than :data:`AUTO_SYMMETRIZATION_PAIRS` pairs; chosen on the selection half of
#: Europarl-NER (its ~800 pairs alone) by the mean over seeds 0-4 (reports/bench/default_command.txt, "Seed
#: noise and agreement"): the directions settle in different modes on words that always occur together in
#: a reordered pair (en "Member States", es "Estados miembros"), and the intersection then loses them.
#: Larger corpora keep independent directions (the recipe was not re-measured there).
DEFAULT_AGREEMENT = 2.0

#: Values of :attr:`AlignRecipe.split_compounds`: which side's compounds are split for training.
SPLIT_COMPOUNDS_SIDES = ("none", "source", "target", "both")
