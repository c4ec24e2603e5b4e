#pragma once
// Renders a Report: markdown, JSON, CSV, or one self-contained HTML page
// (inline CSS and SVG, no scripts, no external assets; prints to PDF).
// Output formats: docs/report.md. Pure: no I/O. Thread: any.

#include <string>

#include "report/model.h"

namespace ninesd::report {

std::string RenderMarkdown(const Report& r);
std::string RenderJson(const Report& r);
std::string RenderCsv(const Report& r);
std::string RenderHtml(const Report& r);

// Escapes text for HTML content and attribute values (& < > ").
std::string Html(const std::string& s);

}  // namespace ninesd::report
