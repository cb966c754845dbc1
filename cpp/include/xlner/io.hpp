/// @file io.hpp
/// @brief Fast readers and writers of the corpus file formats: CoNLL-style token/tag files, one-sentence-
/// per-line token files, Pharaoh/talp alignments, and the JSON-lines span output.
///
/// Readers load the file into one buffer and index it (tokens are views into the buffer), so a corpus of
/// a million sentences costs a few hundred milliseconds and no per-token allocation. Every malformed input
/// throws FormatError naming the file, the line, the sentence (0-based) and the field.
///
/// Tag ids follow tagging.hpp: 0 = O, 2·l + 1 = B-l, 2·l + 2 = I-l for label id l.
///
/// One header per concept: io/errors.hpp, io/utf8.hpp, io/corpus.hpp, io/conll.hpp, io/talp.hpp, io/jsonl.hpp,
/// io/chunks.hpp; this header includes them all.
#pragma once
#include "xlner/io/chunks.hpp"
#include "xlner/io/conll.hpp"
#include "xlner/io/corpus.hpp"
#include "xlner/io/errors.hpp"
#include "xlner/io/jsonl.hpp"
#include "xlner/io/talp.hpp"
#include "xlner/io/utf8.hpp"
