//===- LexerTest.cpp - tokens and indentation -----------------------------===//
#include "bic/Frontend/Lexer.h"

#include <gtest/gtest.h>

using namespace bic;

namespace {
std::vector<Token> lexOk(llvm::StringRef src) {
  std::vector<Token> t;
  bool ok = lex(src, t, [](llvm::SMLoc, const llvm::Twine &m) {
    ADD_FAILURE() << m.str();
  });
  EXPECT_TRUE(ok);
  return t;
}
std::string lexErr(llvm::StringRef src) {
  std::vector<Token> t;
  std::string err;
  EXPECT_FALSE(lex(src, t, [&](llvm::SMLoc, const llvm::Twine &m) { err = m.str(); }));
  return err;
}
} // namespace

TEST(Lexer, IndentDedentAndNewlines) {
  auto t = lexOk("def f():\n    x = 1\n    if x:\n        y = 2\nz\n");
  std::vector<Tok> kinds;
  for (auto &k : t)
    kinds.push_back(k.kind);
  std::vector<Tok> want = {Tok::Name, Tok::Name, Tok::Punct, Tok::Punct,
                           Tok::Punct, Tok::Newline, Tok::Indent, Tok::Name,
                           Tok::Punct, Tok::Int, Tok::Newline, Tok::Name,
                           Tok::Name, Tok::Punct, Tok::Newline, Tok::Indent,
                           Tok::Name, Tok::Punct, Tok::Int, Tok::Newline,
                           Tok::Dedent, Tok::Dedent, Tok::Name, Tok::Newline,
                           Tok::Eof};
  EXPECT_EQ(kinds, want);
}

TEST(Lexer, NoNewlinesInsideBrackets) {
  auto t = lexOk("f(a,\n  b)\n");
  int newlines = 0;
  for (auto &k : t)
    newlines += k.is(Tok::Newline);
  EXPECT_EQ(newlines, 1);
}

TEST(Lexer, NumbersAndOperators) {
  auto t = lexOk("x = 1e-6 + 0x10 // 2 ** 3\n");
  EXPECT_TRUE(t[2].is(Tok::Float));
  EXPECT_EQ(t[2].text, "1e-6");
  EXPECT_TRUE(t[4].is(Tok::Int));
  EXPECT_TRUE(t[5].isPunct("//"));
  EXPECT_TRUE(t[7].isPunct("**"));
}

TEST(Lexer, CommentsAndBlankLinesIgnored) {
  auto t = lexOk("# header\n\nx = 1  # trailing\n   \n");
  EXPECT_TRUE(t[0].isName("x"));
}

TEST(Lexer, Errors) {
  EXPECT_NE(lexErr("x = 1 $ 2\n").find("unexpected character '$'"), std::string::npos);
  EXPECT_NE(lexErr("if x:\n\ty = 1\n").find("tab"), std::string::npos);
  EXPECT_NE(lexErr("if x:\n    y\n  z\n").find("unindent"), std::string::npos);
  EXPECT_NE(lexErr("f(1\n").find("end of file inside brackets"), std::string::npos);
  EXPECT_NE(lexErr("x)\n").find("unmatched"), std::string::npos);
  EXPECT_NE(lexErr("x = 12abc\n").find("malformed number"), std::string::npos);
  EXPECT_NE(lexErr("x = 1 \xC2\xB5\n").find("unexpected byte 0xC2 (bic sources are ASCII"),
            std::string::npos);
  EXPECT_NE(lexErr("x = 1 \x01\n").find("unexpected byte 0x01"), std::string::npos);
}

// Editors may start a UTF-8 file with a byte order mark; comments may hold
// any UTF-8.
TEST(Lexer, ByteOrderMarkAndUtf8CommentsAccepted) {
  auto t = lexOk("\xEF\xBB\xBFx = 1  # \xC2\xB5s\n");
  EXPECT_TRUE(t[0].isName("x"));
  EXPECT_TRUE(t[2].is(Tok::Int));
}
