//===- Lexer.cpp - tokens of the bic tile language ------------------------===//
//
// Python's layout rules, reduced to what kernels need: INDENT/DEDENT from
// leading spaces (tabs are rejected so that widths are unambiguous), no
// NEWLINE inside (), [] or {}, and `#` comments.
//
//===----------------------------------------------------------------------===//
#include "bic/Frontend/Lexer.h"

#include "llvm/ADT/StringExtras.h"

using namespace bic;
using llvm::SMLoc;
using llvm::StringRef;
using llvm::Twine;

namespace {
// Longest first so that `//` wins over `/`.
const char *const kPuncts[] = {"**", "//", "<=", ">=", "==", "!=", "+=", "-=",
                               "*=", "/=", "->", "<<", ">>", "(", ")", "[",
                               "]", ",", ":", ".", "+", "-", "*", "/", "%",
                               "<", ">", "=", "@", "&", "|", "^", "~"};
} // namespace

bool bic::lex(StringRef buf, std::vector<Token> &out, const DiagFn &diag) {
  const char *p = buf.begin(), *end = buf.end();
  std::vector<unsigned> indents{0};
  int depth = 0;
  bool atLineStart = true;
  auto push = [&](Tok k, const char *b, size_t n) {
    out.push_back(Token{k, StringRef(b, n), SMLoc::getFromPointer(b)});
  };
  // A UTF-8 byte order mark, as some editors write, is not part of the
  // source (Python skips it too). The pipeline drops it before the source
  // reaches its SourceMgr, so that columns on line 1 are right; this is for
  // other callers of parseModule().
  if (buf.starts_with("\xEF\xBB\xBF"))
    p += 3;
  while (p < end) {
    if (atLineStart && depth == 0) {
      const char *s = p;
      unsigned width = 0;
      while (p < end && (*p == ' ' || *p == '\t')) {
        if (*p == '\t') {
          diag(SMLoc::getFromPointer(p), "tab in indentation; use spaces");
          return false;
        }
        ++width, ++p;
      }
      // Blank or comment-only lines do not affect indentation.
      if (p == end || *p == '\n' || *p == '\r' || *p == '#') {
        while (p < end && *p != '\n')
          ++p;
        if (p < end)
          ++p;
        continue;
      }
      atLineStart = false;
      if (width > indents.back()) {
        indents.push_back(width);
        push(Tok::Indent, s, 0);
      } else {
        while (width < indents.back()) {
          indents.pop_back();
          push(Tok::Dedent, p, 0);
        }
        if (width != indents.back()) {
          diag(SMLoc::getFromPointer(p),
               "unindent does not match any outer indentation level");
          return false;
        }
      }
    }
    char c = *p;
    if (c == '\n') {
      if (depth == 0) {
        push(Tok::Newline, p, 1);
        atLineStart = true;
      }
      ++p;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++p;
      continue;
    }
    if (c == '\\' && p + 1 < end && p[1] == '\n') {
      p += 2;
      continue;
    }
    if (c == '#') {
      while (p < end && *p != '\n')
        ++p;
      continue;
    }
    if (llvm::isAlpha(c) || c == '_') {
      const char *s = p;
      while (p < end && (llvm::isAlnum(*p) || *p == '_'))
        ++p;
      push(Tok::Name, s, p - s);
      continue;
    }
    if (llvm::isDigit(c) || (c == '.' && p + 1 < end && llvm::isDigit(p[1]))) {
      const char *s = p;
      bool isFloat = false;
      if (c == '0' && p + 1 < end && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        while (p < end && llvm::isHexDigit(*p))
          ++p;
      } else {
        while (p < end && (llvm::isDigit(*p) || *p == '_'))
          ++p;
        if (p < end && *p == '.') {
          isFloat = true;
          ++p;
          while (p < end && llvm::isDigit(*p))
            ++p;
        }
        if (p < end && (*p == 'e' || *p == 'E')) {
          isFloat = true;
          ++p;
          if (p < end && (*p == '+' || *p == '-'))
            ++p;
          if (p == end || !llvm::isDigit(*p)) {
            diag(SMLoc::getFromPointer(s), "malformed number literal");
            return false;
          }
          while (p < end && llvm::isDigit(*p))
            ++p;
        }
      }
      if (p < end && (llvm::isAlpha(*p) || *p == '_')) {
        diag(SMLoc::getFromPointer(s), "malformed number literal");
        return false;
      }
      push(isFloat ? Tok::Float : Tok::Int, s, p - s);
      continue;
    }
    bool matched = false;
    for (const char *punct : kPuncts) {
      size_t n = strlen(punct);
      if (size_t(end - p) >= n && StringRef(p, n) == punct) {
        if (n == 1 && (c == '(' || c == '[' || c == '{'))
          ++depth;
        if (n == 1 && (c == ')' || c == ']' || c == '}')) {
          if (depth == 0) {
            diag(SMLoc::getFromPointer(p), Twine("unmatched '") + StringRef(p, 1) + "'");
            return false;
          }
          --depth;
        }
        push(Tok::Punct, p, n);
        p += n;
        matched = true;
        break;
      }
    }
    if (!matched) {
      unsigned char c = static_cast<unsigned char>(*p);
      if (c >= 0x80 || c < 0x20)
        diag(SMLoc::getFromPointer(p),
             Twine("unexpected byte 0x") + llvm::utohexstr(c, false, 2) +
                 (c >= 0x80 ? " (bic sources are ASCII outside comments)" : ""));
      else
        diag(SMLoc::getFromPointer(p),
             Twine("unexpected character '") + StringRef(p, 1) + "'");
      return false;
    }
  }
  if (depth != 0) {
    diag(SMLoc::getFromPointer(end), "unexpected end of file inside brackets");
    return false;
  }
  if (!out.empty() && !out.back().is(Tok::Newline) && !out.back().is(Tok::Dedent))
    push(Tok::Newline, end, 0);
  while (indents.size() > 1) {
    indents.pop_back();
    push(Tok::Dedent, end, 0);
  }
  push(Tok::Eof, end, 0);
  return true;
}
