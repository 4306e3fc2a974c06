// Chat templates through llama.cpp's own Jinja engine (common_chat_templates_* in libllama-common), kept in
// its own file because chat.h pulls in nlohmann::json and the Jinja runtime (slow to compile).
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "llama.h"

namespace onramp {

struct ChatTemplates;  // opaque: wraps common_chat_templates

// Parses the model's template (or `override` when not empty). A model without a template gets llama.cpp's
// ChatML fallback. Throws std::exception on a template that does not parse.
std::shared_ptr<ChatTemplates> makeChatTemplates(const llama_model *model, const std::string &override);

// True when the model had a template (or an override was given); false when the ChatML fallback is used.
bool chatTemplatesExplicit(const ChatTemplates *t);

// Renders (role, content) messages; the leading BOS text is stripped when the model adds BOS itself, so the
// result is meant to be tokenized with addSpecial = true. Throws std::exception when rendering fails.
std::string applyChatTemplates(const ChatTemplates *t, const std::vector<std::pair<std::string, std::string>> &messages,
                               bool addAssistant);

}  // namespace onramp
