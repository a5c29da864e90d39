//===- Lexer.h - tokens of the bic tile language ----------------*- C++ -*-===//
//
// A Python-style lexer: indentation becomes INDENT/DEDENT tokens, newlines
// inside brackets are ignored, `#` starts a comment.
//
//===----------------------------------------------------------------------===//
#ifndef BIC_FRONTEND_LEXER_H
#define BIC_FRONTEND_LEXER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"
#include <functional>
#include <string>
#include <vector>

namespace bic {

enum class Tok {
  Eof, Newline, Indent, Dedent, Name, Int, Float, Punct, Error,
};

struct Token {
  Tok kind = Tok::Eof;
  llvm::StringRef text; // spelling in the source buffer
  llvm::SMLoc loc;
  bool is(Tok k) const { return kind == k; }
  bool isPunct(llvm::StringRef p) const { return kind == Tok::Punct && text == p; }
  bool isName(llvm::StringRef n) const { return kind == Tok::Name && text == n; }
};

/// Reports an error at a source location. The first error stops the parse.
using DiagFn = std::function<void(llvm::SMLoc, const llvm::Twine &)>;

/// Splits a whole buffer into tokens. Returns false (after reporting) on a
/// lexical error such as an inconsistent dedent or a stray character.
bool lex(llvm::StringRef buffer, std::vector<Token> &out, const DiagFn &diag);

} // namespace bic

#endif // BIC_FRONTEND_LEXER_H
