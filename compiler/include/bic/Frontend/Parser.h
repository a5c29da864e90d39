//===- Parser.h - recursive-descent parser for .bic sources -----*- C++ -*-===//
#ifndef BIC_FRONTEND_PARSER_H
#define BIC_FRONTEND_PARSER_H

#include "bic/Frontend/AST.h"
#include "bic/Frontend/Lexer.h"

#include <optional>

namespace bic {

/// Parses a whole source buffer. On a syntax error reports it through `diag`
/// and returns std::nullopt.
std::optional<ast::Module> parseModule(llvm::StringRef buffer,
                                       const DiagFn &diag);

} // namespace bic

#endif // BIC_FRONTEND_PARSER_H
