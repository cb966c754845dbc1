// File formats: CoNLL / token-line / talp parsing, UTF-8 validation, alignment checks, writers.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "testing.hpp"
#include "xlner/io.hpp"

using namespace xlner;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string temp_path(const char* name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/xlner_test_io_" + name;
}

/// Run `fn`, expect a FormatError, return it (sentence -2 when nothing was thrown).
template <class Fn>
FormatError expect_format_error(Fn fn) {
  try {
    fn();
  } catch (const FormatError& e) {
    return e;
  }
  return FormatError("<none>", -2, "<none>", "nothing thrown");
}

std::vector<std::string> tokens_of(const TokenCorpus& c, int64_t i) {
  std::vector<std::string> out;
  for (int64_t t = c.sent_offsets[i]; t < c.sent_offsets[i + 1]; ++t) out.emplace_back(c.token(t));
  return out;
}

}  // namespace

TEST(utf8_validation) {
  const std::string ok = "abc \xc3\xa4 \xe2\x82\xac \xf0\x9d\x94\x98 plain ascii text longer than eight";
  CHECK_EQ(utf8_invalid_at(ok.data(), ok.size()), ok.size());
  const std::string cases[] = {"ab\xff", "ab\xc0\xaf", "ab\xe0\x80\x80", "ab\xed\xa0\x80", "ab\xf4\x90\x80\x80",
                               "ab\xc3", "ab\xe2\x82", "ab\x80"};
  for (const auto& s : cases) CHECK_EQ(utf8_invalid_at(s.data(), s.size()), size_t{2});
  const std::string late = std::string(37, 'x') + "\xfe";
  CHECK_EQ(utf8_invalid_at(late.data(), late.size()), size_t{37});
}

TEST(conll_parse_mixed_separators) {
  const std::string text =
      "\xEF\xBB\xBF-DOCSTART- -X- -X- O\r\n\r\nJohn\tNNP\tB-PER\r\nSmith  I-PER\nruns O\n\n\n\nParis B-LOC\nRome I-LOC";
  TokenCorpus c = parse_conll(text, "t.conll");
  CHECK_EQ(c.size(), int64_t{3});
  CHECK_EQ(c.n_tokens(), int64_t{6});
  CHECK(tokens_of(c, 0) == std::vector<std::string>{"-DOCSTART-"});
  CHECK(tokens_of(c, 1) == (std::vector<std::string>{"John", "Smith", "runs"}));
  CHECK(c.labels == (std::vector<std::string>{"PER", "LOC"}));
  CHECK(c.tags == (std::vector<int32_t>{0, 1, 2, 0, 3, 4}));
  CHECK(c.lengths() == (std::vector<int32_t>{1, 3, 2}));
}

TEST(conll_without_tokens_or_tags) {
  ConllOptions opt;
  opt.keep_tokens = false;
  opt.labels = {"LOC"};
  TokenCorpus c = parse_conll("a B-PER\n\nb B-LOC\n", "t", opt);
  CHECK(c.text.empty());
  CHECK(c.tok_begin.empty());
  CHECK(c.tags == (std::vector<int32_t>{3, 1}));
  ConllOptions bare;
  bare.with_tags = false;
  TokenCorpus d = parse_conll("Haus\nNew York\tX\n", "t", bare);
  CHECK(tokens_of(d, 0) == (std::vector<std::string>{"Haus", "New York"}));
  CHECK(!d.has_tags);
}

TEST(conll_errors_name_file_line_sentence_field) {
  FormatError e = expect_format_error([] { parse_conll("a O\n\nb O\nc\n", "m.conll"); });
  CHECK_EQ(e.sentence(), int64_t{1});
  CHECK_EQ(e.line(), int64_t{4});
  CHECK_EQ(e.field(), std::string("tag"));
  CHECK_EQ(std::string(e.what()).rfind("m.conll, line 4, sentence 1 (0-based), field tag: missing tag", 0), size_t{0});
  e = expect_format_error([] { parse_conll("a O\nb S-PER\n", "m.conll"); });
  CHECK_EQ(e.field(), std::string("tag"));
  CHECK_EQ(e.sentence(), int64_t{0});
  e = expect_format_error([] { parse_conll("a O\n\nb\xff O\n", "m.conll"); });
  CHECK_EQ(e.field(), std::string("token"));
  CHECK_EQ(e.line(), int64_t{3});
  e = expect_format_error([] { parse_conll("\n \n", "e.conll"); });
  CHECK_EQ(e.field(), std::string("file"));
  CHECK_EQ(e.sentence(), int64_t{-1});
  e = expect_format_error([] { parse_conll("", "e.conll"); });
  CHECK_EQ(e.field(), std::string("file"));
}

TEST(token_lines_and_detection) {
  TokenCorpus c = parse_token_lines("Das ist\tgut\r\nJa", "t.txt");
  CHECK_EQ(c.size(), int64_t{2});
  CHECK(tokens_of(c, 0) == (std::vector<std::string>{"Das", "ist", "gut"}));
  FormatError e = expect_format_error([] { parse_token_lines("a\n\nb\n", "t.txt"); });
  CHECK_EQ(e.sentence(), int64_t{1});
  CHECK_EQ(e.field(), std::string("tokens"));
  CHECK(looks_like_conll("a\tO\n"));
  CHECK(looks_like_conll("\n\na O\nb O\n\nc O\n"));
  CHECK(!looks_like_conll("Das ist gut\nJa\n"));
  CHECK(!looks_like_conll("Das ist gut\n\n"));
}

TEST(talp_parse) {
  Alignments a = parse_talp("0-0 1-2\n\n3-1\r\n2-2", "a.talp");
  CHECK_EQ(a.size(), int64_t{4});
  CHECK(a.offsets == (std::vector<int64_t>{0, 2, 2, 3, 4}));
  CHECK(a.src == (std::vector<int32_t>{0, 1, 3, 2}));
  CHECK(a.tgt == (std::vector<int32_t>{0, 2, 1, 2}));
  CHECK_EQ(parse_talp("\n", "a").size(), int64_t{1});
  TalpOptions gold;
  gold.one_based = true;
  gold.allow_possible = true;
  Alignments g = parse_talp("1-1 2p3\n", "g", gold);
  CHECK(g.src == (std::vector<int32_t>{0, 1}));
  CHECK(g.tgt == (std::vector<int32_t>{0, 2}));
  CHECK(g.possible == (std::vector<uint8_t>{0, 1}));
}

TEST(talp_errors) {
  const char* bad[] = {"0-1-2", "5-", "7", "a-1", "1.5-2", "-1-2", "99999999999-1", "2p3"};
  for (const char* pair : bad) {
    const std::string text = std::string("0-0\n1-1 ") + pair + "\n";
    FormatError e = expect_format_error([&] { parse_talp(text, "b.talp"); });
    CHECK_EQ(e.sentence(), int64_t{1});
    CHECK_EQ(e.line(), int64_t{2});
    CHECK_EQ(e.field(), std::string("alignment pair 1"));
  }
  TalpOptions one;
  one.one_based = true;
  CHECK_EQ(expect_format_error([&] { parse_talp("0-1\n", "g", one); }).sentence(), int64_t{0});
  CHECK_EQ(expect_format_error([] { parse_talp("", "e"); }).field(), std::string("file"));
  CHECK_EQ(expect_format_error([] { parse_talp("0-0\n\xc3\n", "u"); }).field(), std::string("alignment"));
}

TEST(check_alignments_bounds_and_counts) {
  Alignments a = parse_talp("0-0\n1-2\n", "a.talp");
  const int32_t sl[] = {1, 2}, tl[] = {1, 3}, short_tl[] = {1, 2};
  check_alignments("a.talp", a.offsets.data(), a.size(), a.src.data(), a.tgt.data(), sl, tl, 2, "s", "t");
  FormatError e = expect_format_error(
      [&] { check_alignments("a.talp", a.offsets.data(), a.size(), a.src.data(), a.tgt.data(), sl, short_tl, 2, "s", "t"); });
  CHECK_EQ(e.sentence(), int64_t{1});
  CHECK_EQ(e.field(), std::string("alignment pair 0 (target index)"));
  e = expect_format_error(
      [&] { check_alignments("a.talp", a.offsets.data(), a.size(), a.src.data(), a.tgt.data(), sl, tl, 1, "s", "t"); });
  CHECK_EQ(e.field(), std::string("line count"));
  CHECK_EQ(e.sentence(), int64_t{1});
}

TEST(write_conll_and_jsonl) {
  TokenCorpus c;
  c.path = "<memory>";
  for (const char* t : {"John", "Smith", "runs"}) c.push_token(t);
  c.close_sentence();
  c.push_token("Paris");
  c.close_sentence();
  const std::vector<int32_t> tags{1, 2, 0, 3};
  const std::string out = temp_path("w.conll");
  for (int threads : {1, 4}) {
    write_conll(out, c, tags.data(), 4, iob2_tag_names({"PER", "LOC"}), '\t', threads);
    CHECK_EQ(slurp(out), std::string("John\tB-PER\nSmith\tI-PER\nruns\tO\n\nParis\tB-LOC\n\n"));
  }
  const std::vector<int32_t> bad{1, 2, 0, 9};
  CHECK_THROWS(write_conll(out, c, bad.data(), 4, iob2_tag_names({"PER", "LOC"})), std::invalid_argument);
  CHECK_THROWS(write_conll(out, c, tags.data(), 3, iob2_tag_names({"PER", "LOC"})), std::invalid_argument);
  std::remove(out.c_str());

  const int64_t offsets[] = {0, 2, 2};
  const int32_t start[] = {0, 3}, end[] = {2, 4}, label[] = {0, 1}, entity[] = {1, 0};
  const double score[] = {1.0, 0.30000000000000004}, objective[] = {1.3, -2e-7};
  SpanArrays s;
  s.n = 2;
  s.offsets = offsets;
  s.start = start;
  s.end = end;
  s.label = label;
  s.entity = entity;
  s.score = score;
  s.objective = objective;
  const std::string js = temp_path("s.jsonl");
  write_spans_jsonl(js, s, {"PER", "L\"OC"}, 2);
  CHECK_EQ(slurp(js), std::string("{\"objective\": 1.3, \"spans\": [{\"start\": 0, \"end\": 2, \"label\": \"PER\", "
                                  "\"entity\": 1, \"score\": 1.0}, {\"start\": 3, \"end\": 4, \"label\": \"L\\\"OC\", "
                                  "\"entity\": 0, \"score\": 0.30000000000000004}]}\n"
                                  "{\"objective\": -2e-07, \"spans\": []}\n"));
  const int32_t bad_label[] = {0, 5};
  s.label = bad_label;
  CHECK_THROWS(write_spans_jsonl(js, s, {"PER", "LOC"}), std::invalid_argument);
  std::remove(js.c_str());
  CHECK_THROWS(write_conll("/nonexistent-dir/x.conll", c, tags.data(), 4, iob2_tag_names({"PER", "LOC"})), FileError);
  CHECK_THROWS(read_conll("/nonexistent-dir/x.conll"), FileError);
  // the string formatters give the bytes the file writers write
  s.label = label;
  CHECK_EQ(format_conll(c, tags.data(), 4, iob2_tag_names({"PER", "LOC"}), ' ', 1),
           std::string("John B-PER\nSmith I-PER\nruns O\n\nParis B-LOC\n\n"));
  write_spans_jsonl(js, s, {"PER", "LOC"}, 1);
  CHECK_EQ(format_spans_jsonl(s, {"PER", "LOC"}, 3), slurp(js));
  std::remove(js.c_str());
}

TEST(questionable_tags_nul_bytes_and_directories) {
  for (const char* text : {"JAPAN B-PER\n", "a O\n\nb B-X_1\n"}) CHECK(parse_conll(text, "ok.conll").size() >= 1);
  for (const char* bad_tag : {"JAPAN\tB-LOC x\n", "JAPAN B--\n", "JAPAN B-LOC\x01\n"}) {
    const FormatError e = expect_format_error([&] { parse_conll(bad_tag, "t.conll"); });
    CHECK_EQ(e.field(), std::string("tag"));
  }
  const std::string nul_tag("JAPAN B-PER\0\n", 13);
  FormatError e = expect_format_error([&] { parse_conll(nul_tag, "n.conll"); });
  CHECK_EQ(e.field(), std::string("tag"));
  CHECK(e.detail().find("NUL byte") != std::string::npos);
  const std::string nul_token("a O\nJA\0PAN O\n", 13);
  e = expect_format_error([&] { parse_conll(nul_token, "n.conll"); });
  CHECK_EQ(e.field(), std::string("token"));
  CHECK_EQ(e.line(), int64_t{2});
  CHECK_THROWS(parse_token_lines(std::string("a\0b\n", 4), "l.txt"), FormatError);
  CHECK_THROWS(parse_talp(std::string("0-0\0\n", 5), "a.talp"), FormatError);
  CHECK(valid_label("PER") && valid_label("B-X") && !valid_label("-") && !valid_label("A B") && !valid_label(""));
  const char* dir = std::getenv("TMPDIR");
  try {
    read_conll(dir ? dir : "/tmp");
    CHECK(false);
  } catch (const FileError& ex) {
    CHECK(std::string(ex.what()).find("is a directory") != std::string::npos);
  }
  // a one-sentence space-separated CoNLL file is CoNLL; token lines are not
  CHECK(looks_like_conll("Japan B-LOC\nwins O\n"));
  CHECK(!looks_like_conll("Japan wins\nToday not\n"));
}

TEST(cut_sentences_at_parser_boundaries) {
  const std::string text = "a O\nb O\n\n \t\nc O\n\n\nd O\ne O";
  ChunkCut k = cut_sentences(text, 1, true, false);
  CHECK_EQ(k.bytes, std::string("a O\nb O\n\n \t\n").size());
  CHECK_EQ(k.sentences, int64_t{1});
  CHECK_EQ(k.lines, int64_t{4});
  k = cut_sentences(text, 9, true, false);  // the last sentence may go on: not cut
  CHECK_EQ(k.sentences, int64_t{2});
  k = cut_sentences(text, 9, true, true);
  CHECK_EQ(k.bytes, text.size());
  CHECK_EQ(k.sentences, parse_conll(text, "c").size());
  k = cut_sentences("0-0\n\n1-1", 9, false, false);
  CHECK_EQ(k.bytes, size_t{5});
  CHECK_EQ(k.sentences, int64_t{2});
  k = cut_sentences("0-0\n\n1-1", 9, false, true);
  CHECK_EQ(k.sentences, parse_talp("0-0\n\n1-1", "a").size());
  k = cut_sentences("a\nb\n", 0, false, true);
  CHECK_EQ(k.bytes, size_t{0});
}

TEST(parse_in_pieces_equals_one_parse) {
  // labels met in the second piece first keep the order of one parse; an error in a later piece is numbered over
  // the whole text
  const std::string text = "a B-PER\n\nb B-LOC\nc I-LOC\n \nd B-PER\n";
  ConllOptions opt;
  opt.splits = {text.find("b B-LOC"), text.find("d B-PER")};
  opt.threads = 2;
  const TokenCorpus one = parse_conll(text, "t"), pieces = parse_conll(text, "t", opt);
  CHECK(one.labels == pieces.labels && one.tags == pieces.tags && one.sent_offsets == pieces.sent_offsets);
  CHECK(one.tok_begin == pieces.tok_begin && one.tok_len == pieces.tok_len);
  const std::string bad = "a O\n\nb O\n\nc X-1\n";
  ConllOptions split;
  split.splits = {bad.find("b O"), bad.find("c X")};
  const FormatError e = expect_format_error([&] { parse_conll(bad, "m.conll", split); });
  CHECK_EQ(e.sentence(), int64_t{2});
  CHECK_EQ(e.line(), int64_t{5});
  TalpOptions topt;
  topt.splits = {4};
  CHECK(parse_talp("0-0\n1-1 2-2\n", "a", topt).src == parse_talp("0-0\n1-1 2-2\n", "a").src);
  // a cut inside a sentence is refused; automatic cuts fall after blank lines
  ConllOptions inside;
  inside.splits = {text.find("c I-LOC")};  // after "b B-LOC\n": inside a sentence
  CHECK_THROWS(parse_conll(text, "t", inside), std::invalid_argument);
  const std::vector<size_t> cuts = sentence_splits(text, 3, true);
  for (size_t c : cuts) CHECK(text[c - 1] == '\n' && (text[c - 2] == '\n' || text[c - 2] == ' '));
}

TEST(elp_punctuation) {
  CHECK(is_punctuation(","));
  CHECK(is_punctuation("..."));
  CHECK(is_punctuation("\xc2\xa0"));          // NBSP strips to empty: counts as punctuation
  CHECK(is_punctuation("\xe3\x80\x80-\x0b"));  // ideographic space, '-', vertical tab
  CHECK(is_punctuation(""));
  CHECK(!is_punctuation("\xc2\xab"));  // « is not in string.punctuation
  CHECK(!is_punctuation("\xe2\x80\x93"));  // – (en dash)
  CHECK(!is_punctuation("a."));
  CHECK(!is_punctuation("-\xe2\x80\x8b"));  // zero-width space is not whitespace for Python
  TokenCorpus c;
  for (const char* t : {"Hallo", ",", "(", "x)"}) c.push_token(t);
  c.close_sentence();
  CHECK(punctuation_mask(c) == (std::vector<uint8_t>{0, 1, 1, 0}));
}

// corpus_from_lists encodes tags with the reader's encoder: the same ids and labels as parsing the same text.
TEST(corpus_from_lists_matches_the_reader) {
  const std::vector<std::vector<std::string>> toks{{"John", "Smith", "met", "IBM"}, {"Paris"}};
  const std::vector<std::vector<std::string>> tags{{"B-PER", "I-PER", "O", "B-ORG"}, {"I-LOC"}};
  const TokenCorpus c = corpus_from_lists(toks, &tags, {"LOC"});
  const TokenCorpus r = parse_conll("John\tB-PER\nSmith\tI-PER\nmet\tO\nIBM\tB-ORG\n\nParis\tI-LOC\n", "<s>",
                                    ConllOptions{true, true, {"LOC"}});
  CHECK(c.labels == r.labels);
  CHECK((c.labels == std::vector<std::string>{"LOC", "PER", "ORG"}));
  CHECK(c.tags == r.tags);
  CHECK((c.tags == std::vector<int32_t>{3, 4, 0, 5, 2}));
  CHECK(c.sent_offsets == r.sent_offsets);
  CHECK_EQ(tokens_of(c, 1)[0], std::string("Paris"));
  const std::vector<std::vector<std::string>> bad{{"B-PER", "X-PER", "O", "O"}, {"O"}};
  CHECK_THROWS(corpus_from_lists(toks, &bad, {}), std::invalid_argument);
  const std::vector<std::vector<std::string>> spaced{{"B-PER", "I-PER", "O", "B-O RG"}, {"O"}};
  CHECK_THROWS(corpus_from_lists(toks, &spaced, {}), std::invalid_argument);
  const std::vector<std::vector<std::string>> short_tags{{"O"}, {"O"}};
  CHECK_THROWS(corpus_from_lists(toks, &short_tags, {}), std::invalid_argument);
  CHECK_THROWS(corpus_from_lists({{"a", ""}}, nullptr, {}), std::invalid_argument);
  const TokenCorpus plain = corpus_from_lists(toks, nullptr, {});
  CHECK(!plain.has_tags && plain.tags.empty() && plain.size() == 2);
}
