#include "ChatTemplate.h"

#include "chat.h"

namespace onramp {

struct ChatTemplates {
  common_chat_templates_ptr ptr;
};

std::shared_ptr<ChatTemplates> makeChatTemplates(const llama_model *model, const std::string &override) {
  auto t = std::make_shared<ChatTemplates>();
  t->ptr = common_chat_templates_init(model, override);
  if (!t->ptr) throw std::runtime_error("could not initialise the chat template");
  return t;
}

bool chatTemplatesExplicit(const ChatTemplates *t) { return common_chat_templates_was_explicit(t->ptr.get()); }

std::string applyChatTemplates(const ChatTemplates *t, const std::vector<std::pair<std::string, std::string>> &messages,
                               bool addAssistant) {
  common_chat_templates_inputs in;
  in.use_jinja = true;
  in.add_generation_prompt = addAssistant;
  for (const auto &m : messages) {
    common_chat_msg msg;
    msg.role = m.first;
    msg.content = m.second;
    in.messages.push_back(std::move(msg));
  }
  common_chat_params out = common_chat_templates_apply(t->ptr.get(), in);
  return out.prompt;
}

}  // namespace onramp
