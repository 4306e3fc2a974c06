// EngineCore: the engine thread. step() = aborts, admission (prefix cache), one batch mixing generating slots,
// scoring candidates and prompt chunks, llama_decode, sampling. See AddonEngine.h for the design.
#include <algorithm>
#include <cmath>

#include "AddonEngine.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"

namespace onramp {

static void batchAdd(llama_batch &b, llama_token tok, llama_pos pos, llama_seq_id seq, bool logits) {
  int32_t i = b.n_tokens++;
  b.token[i] = tok;
  b.pos[i] = pos;
  b.n_seq_id[i] = 1;
  b.seq_id[i][0] = seq;
  b.logits[i] = logits;
}

EngineCore::EngineCore(std::shared_ptr<ModelHandle> model, const EngineConfig &cfg, std::shared_ptr<EventSink> sink)
    : model_(std::move(model)), cfg_(cfg), sink_(std::move(sink)) {}

EngineCore::~EngineCore() { stop(); }

static ggml_threadpool_t makePool(int32_t threads, int32_t poll, void (**freeFn)(ggml_threadpool_t)) {
  ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
  if (!cpu) return nullptr;
  ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(cpu);
  auto newFn = (ggml_threadpool_t(*)(ggml_threadpool_params *))ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_new");
  *freeFn = (void (*)(ggml_threadpool_t))ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_free");
  if (!newFn || !*freeFn) return nullptr;
  ggml_threadpool_params tp = ggml_threadpool_params_default(threads);
  tp.poll = (uint32_t)poll;
  return newFn(&tp);
}

std::string EngineCore::init() {
  llama_context_params p = llama_context_default_params();
  p.n_ctx = cfg_.nCtx;
  p.n_batch = cfg_.nBatch;
  p.n_ubatch = cfg_.nUbatch;
  nSeqMax_ = cfg_.parallel + cfg_.scoreSeqs;
  p.n_seq_max = nSeqMax_;
  p.n_threads = cfg_.threads;
  p.n_threads_batch = cfg_.threadsBatch;
  p.flash_attn_type = cfg_.flashAttention < 0 ? LLAMA_FLASH_ATTN_TYPE_AUTO
                      : cfg_.flashAttention ? LLAMA_FLASH_ATTN_TYPE_ENABLED
                                            : LLAMA_FLASH_ATTN_TYPE_DISABLED;
  p.type_k = cfg_.kvType;
  p.type_v = cfg_.kvType;
  // With kv_unified, llama_decode validates every batch against LLAMA_MAX_SEQ (256) sequences: a 256 x 256 loop
  // in llama_batch_allocr::init, ~0.1 ms per decode (a sixth of a stories260K token). With a single sequence a
  // split cache is the same cache, so skip it there (llama-bench runs this way).
  p.kv_unified = cfg_.kvUnified && nSeqMax_ > 1;
  p.no_perf = true;
  ctx_ = llama_init_from_model(model_->model, p);
  if (!ctx_)
    return "llama.cpp could not create the context (out of memory, or an unsupported combination such as a "
           "quantized KV cache without flash attention)";
  nCtxSeq_ = llama_n_ctx_seq(ctx_);
  if (cfg_.poll >= 0) {
    pool_ = makePool(cfg_.threads, cfg_.poll, &poolFree_);
    if (pool_ && cfg_.threadsBatch != cfg_.threads) poolBatch_ = makePool(cfg_.threadsBatch, cfg_.poll, &poolFree_);
    if (pool_) llama_attach_threadpool(ctx_, pool_, poolBatch_);
  }
  batch_ = llama_batch_init((int32_t)cfg_.nBatch, 0, 1);
  batchInit_ = true;
  slots_.resize(cfg_.parallel);
  for (uint32_t i = 0; i < cfg_.parallel; i++) slots_[i].id = (int32_t)i;
  auxFree_.assign(cfg_.scoreSeqs, true);
  std::lock_guard<std::mutex> lk(mu_);
  if (stopped_) return "the engine was disposed while starting";  // stop() already ran: free in the destructor
  thread_ = std::thread([this] { run(); });
  return "";
}

void EngineCore::submit(std::shared_ptr<EngineTask> task) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    incoming_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void EngineCore::abort(uint64_t id) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    aborts_.push_back(id);
  }
  cv_.notify_one();
}

void EngineCore::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stopped_ && !ctx_) return;
    stopped_ = true;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto &s : slots_) {
    if (s.smpl) llama_sampler_free(s.smpl);
    if (s.grammar) llama_sampler_free(s.grammar);
  }
  slots_.clear();
  pending_.clear();
  incoming_.clear();
  embedQueue_.clear();
  embedPartial_.clear();
  if (batchInit_) llama_batch_free(batch_);
  if (embedBatchInit_) llama_batch_free(embedBatch_);
  batchInit_ = embedBatchInit_ = false;
  if (embedCtx_) llama_free(embedCtx_);
  if (ctx_) llama_free(ctx_);
  embedCtx_ = ctx_ = nullptr;
  applied_ = LoraSet{};
  embedApplied_ = LoraSet{};
  if (poolFree_) {
    if (pool_) poolFree_(pool_);
    if (poolBatch_) poolFree_(poolBatch_);
  }
  pool_ = poolBatch_ = nullptr;
  model_.reset();
}

bool EngineCore::anyWork() const {
  if (!pending_.empty() || !embedQueue_.empty()) return true;
  for (const auto &s : slots_)
    if (s.state != SlotState::Idle) return true;
  return false;
}

void EngineCore::run() {
  std::vector<uint64_t> aborts;
  for (;;) {
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !incoming_.empty() || !aborts_.empty() || anyWork(); });
      if (stop_) break;
      while (!incoming_.empty()) {
        pending_.push_back(std::move(incoming_.front()));
        incoming_.pop_front();
      }
      aborts.swap(aborts_);
    }
    try {
      if (!aborts.empty()) processAborts(aborts);
      aborts.clear();
      step();
      if (!anyWork()) {
        // Idle: take the adapters off the contexts so an unloaded adapter is freed now, not at the next request.
        if (!applied_.empty() && ctx_) applyLoras(LoraSet{});
        if (!embedApplied_.empty() && embedCtx_) {
          applyLoraSet(embedCtx_, LoraSet{});
          embedApplied_ = LoraSet{};
        }
      }
    } catch (const std::exception &e) {
      for (auto &s : slots_)
        if (s.task) failSlot(s, "NATIVE", std::string("engine step failed: ") + e.what());
    }
    flush();
  }
}

void EngineCore::flush() {
  if (out_.empty()) return;
  sink_->push(std::move(out_), sink_);
  out_.clear();
}

static EngineEvent doneEvent(uint64_t id, const char *reason, const std::string &code = "", const std::string &msg = "") {
  EngineEvent ev;
  ev.type = EngineEvent::Done;
  ev.id = id;
  ev.finish = reason;
  ev.errCode = code;
  ev.errMessage = msg;
  return ev;
}

void EngineCore::processAborts(std::vector<uint64_t> &ids) {
  for (uint64_t id : ids) {
    bool found = false;
    for (auto &s : slots_) {
      if (s.task && s.task->id == id) {
        if (s.task->kind == TaskKind::Generate) finishGenerate(s, "abort");
        else {
          emit(doneEvent(id, "abort"));
          releaseSlot(s);
        }
        found = true;
        break;
      }
    }
    if (found) continue;
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if ((*it)->id == id) {
        emit(doneEvent(id, "abort"));
        pending_.erase(it);
        found = true;
        break;
      }
    }
    if (found) continue;
    for (size_t i = 0; i < embedQueue_.size(); i++) {
      if (embedQueue_[i]->id == id) {
        emit(doneEvent(id, "abort"));
        embedQueue_.erase(embedQueue_.begin() + (long)i);
        embedPartial_.erase(embedPartial_.begin() + (long)i);
        break;
      }
    }
  }
}

static size_t commonPrefix(const std::vector<llama_token> &a, const std::vector<llama_token> &b) {
  size_t n = std::min(a.size(), b.size()), i = 0;
  while (i < n && a[i] == b[i]) i++;
  return i;
}

// KV computed under another adapter set is not a valid prefix, except the base model's KV for the part of an
// aLoRA prompt before its invocation tokens.
size_t EngineCore::reusablePrefix(const Slot &s, const EngineTask &t) const {
  if (!cfg_.prefixCache) return 0;
  if (s.cacheLoraKey == t.cacheKey) return commonPrefix(s.cache, t.prompt);
  if (t.aloraStart >= 0 && s.cacheLoraKey.empty()) return std::min(commonPrefix(s.cache, t.prompt), (size_t)t.aloraStart);
  return 0;
}

Slot *EngineCore::pickSlot(const EngineTask &task) {
  Slot *best = nullptr;
  size_t bestLcp = 0;
  for (auto &s : slots_) {
    if (s.state != SlotState::Idle) continue;
    size_t l = reusablePrefix(s, task);
    if (!best || l > bestLcp || (l == bestLcp && s.lastUsed < best->lastUsed)) {
      best = &s;
      bestLcp = l;
    }
  }
  return best;
}

void EngineCore::admit() {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if ((*it)->kind == TaskKind::Embed) {
      embedQueue_.push_back(*it);
      embedPartial_.emplace_back();
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  while (!pending_.empty()) {
    Slot *s = pickSlot(*pending_.front());
    if (!s) break;
    std::shared_ptr<EngineTask> t = pending_.front();
    pending_.pop_front();
    launch(*s, std::move(t));
  }
}

void EngineCore::launch(Slot &s, std::shared_ptr<EngineTask> task) {
  llama_memory_t mem = llama_get_memory(ctx_);
  size_t n = reusablePrefix(s, *task);
  // A longer prefix held by any other slot (busy or idle) is shared: in one unified KV buffer seq_cp only tags
  // cells, so a system prompt common to concurrent requests is evaluated once.
  if (cfg_.kvUnified && cfg_.prefixCache && !llama_model_is_recurrent(model_->model) && !llama_model_is_hybrid(model_->model)) {
    const Slot *donor = nullptr;
    size_t best = n;
    for (const auto &o : slots_) {
      size_t l = &o == &s ? 0 : std::min(reusablePrefix(o, *task), task->prompt.size() - 1);
      if (l > best) {
        best = l;
        donor = &o;
      }
    }
    if (donor) {
      llama_memory_seq_rm(mem, s.id, -1, -1);
      llama_memory_seq_cp(mem, donor->id, s.id, 0, (llama_pos)best);
      s.cache.assign(task->prompt.begin(), task->prompt.begin() + (long)best);
      n = best;
    }
  }
  s.cacheLoraKey = task->cacheKey;
  if (n >= task->prompt.size()) n = task->prompt.size() - 1;  // the last prompt token is always evaluated
  if (!llama_memory_seq_rm(mem, s.id, (llama_pos)n, -1)) {
    llama_memory_seq_rm(mem, s.id, -1, -1);
    n = 0;
  }
  s.cache.resize(n);
  s.nPromptDone = n;
  s.nCached = (int32_t)n;
  s.smpl = task->smpl;
  task->smpl = nullptr;
  s.grammar = task->grammar;
  task->grammar = nullptr;
  s.state = SlotState::Prompt;
  s.tAdmit = llama_time_us();
  s.tFirst = s.tLast = 0;
  s.nGenerated = 0;
  s.iBatch = -1;
  s.admitOrder = ++useCounter_;
  s.candLp.assign(task->candidates.size(), {});
  s.candTodo.clear();
  s.candRunning.clear();
  s.task = std::move(task);
  busy_++;
}

// Frees what a scoring candidate added: its auxiliary sequence, or (no scoring sequences) its tokens after the
// prefix in the slot's own sequence.
void EngineCore::dropCandidateKv(Slot &s, llama_seq_id seq) {
  llama_memory_t mem = llama_get_memory(ctx_);
  if (seq == s.id) {
    llama_memory_seq_rm(mem, s.id, (llama_pos)s.cache.size(), -1);
    return;
  }
  llama_memory_seq_rm(mem, seq, -1, -1);
  auxFree_[(size_t)seq - cfg_.parallel] = true;
}

void EngineCore::releaseSlot(Slot &s) {
  llama_memory_t mem = llama_get_memory(ctx_);
  if (s.smpl) llama_sampler_free(s.smpl);
  if (s.grammar) llama_sampler_free(s.grammar);
  s.smpl = s.grammar = nullptr;
  for (auto &r : s.candRunning) dropCandidateKv(s, r.seq);
  s.candRunning.clear();
  s.candTodo.clear();
  s.candLp.clear();
  s.task.reset();
  s.state = SlotState::Idle;
  s.iBatch = -1;
  s.lastUsed = ++useCounter_;
  if (!cfg_.prefixCache) {
    llama_memory_seq_rm(mem, s.id, -1, -1);
    s.cache.clear();
  }
  busy_--;
}

void EngineCore::finishGenerate(Slot &s, const char *reason, const std::string &code, const std::string &msg) {
  EngineEvent ev = doneEvent(s.task->id, reason, code, msg);
  int64_t now = llama_time_us();
  ev.promptTokens = (int32_t)s.task->prompt.size();
  ev.cachedTokens = s.nCached;
  ev.completionTokens = s.nGenerated;
  ev.queuedMs = (double)(s.tAdmit - s.task->tEnqueueUs) / 1000.0;
  ev.promptMs = (double)((s.tFirst ? s.tFirst : now) - s.tAdmit) / 1000.0;
  ev.genMs = s.tFirst ? (double)(s.tLast - s.tFirst) / 1000.0 : 0.0;
  emit(std::move(ev));
  releaseSlot(s);
}

void EngineCore::failSlot(Slot &s, const std::string &code, const std::string &msg) {
  if (!s.task) return;
  if (s.task->kind == TaskKind::Generate) finishGenerate(s, "error", code, msg);
  else {
    emit(doneEvent(s.task->id, "error", code, msg));
    releaseSlot(s);
  }
}

void EngineCore::finishScore(Slot &s) {
  EngineEvent ev;
  ev.type = EngineEvent::Score;
  ev.id = s.task->id;
  ev.promptTokens = (int32_t)s.task->prompt.size();
  ev.cachedTokens = s.nCached;
  ev.queuedMs = (double)(s.tAdmit - s.task->tEnqueueUs) / 1000.0;
  ev.promptMs = (double)(llama_time_us() - s.tAdmit) / 1000.0;
  ev.candLogprobs = std::move(s.candLp);
  emit(std::move(ev));
  releaseSlot(s);
}

bool EngineCore::evictIdleCaches() {
  llama_memory_t mem = llama_get_memory(ctx_);
  bool any = false;
  for (auto &s : slots_) {
    if (s.state == SlotState::Idle && !s.cache.empty()) {
      llama_memory_seq_rm(mem, s.id, -1, -1);
      s.cache.clear();
      any = true;
    }
  }
  return any;
}

void EngineCore::onPrefixDone(Slot &s) {
  int32_t nVocab = llama_vocab_n_tokens(model_->vocab());
  const float *logits = llama_get_logits_ith(ctx_, s.iBatch);
  double lse = logSumExp(logits, nVocab);
  const auto &cands = s.task->candidates;
  for (size_t c = 0; c < cands.size(); c++) {
    s.candLp[c].assign(cands[c].size(), 0.0);
    if (!cands[c].empty()) s.candLp[c][0] = (double)logits[cands[c][0]] - lse;
    if (cands[c].size() >= 2) s.candTodo.push_back(c);
  }
  s.state = SlotState::ScoreCandidates;
  if (s.candTodo.empty()) finishScore(s);
}

void EngineCore::sampleSlot(Slot &s) {
  EngineTask &t = *s.task;
  const float *logits = llama_get_logits_ith(ctx_, s.iBatch);
  int32_t nVocab = llama_vocab_n_tokens(model_->vocab());
  llama_token tok;
  if (!s.grammar && isPlainGreedy(t.sampling)) {
    tok = argmaxToken(logits, nVocab);
    llama_sampler_accept(s.smpl, tok);
  } else {
    tok = sampleToken(s.smpl, s.grammar, logits, nVocab, s.cur);
  }
  if (tok == LLAMA_TOKEN_NULL) {
    finishGenerate(s, "error", "GRAMMAR", "no token satisfies the grammar");
    return;
  }
  int64_t now = llama_time_us();
  if (!s.tFirst) s.tFirst = now;
  s.tLast = now;
  if (!t.ignoreEos && llama_vocab_is_eog(model_->vocab(), tok)) {
    finishGenerate(s, "stop");
    return;
  }
  s.nGenerated++;
  EngineEvent ev;
  ev.type = EngineEvent::Tokens;
  ev.id = t.id;
  ev.tokens.push_back(tok);
  if (t.nProbs >= 0) {
    float lp = 0;
    ev.nProbs = t.nProbs;
    topLogprobs(llama_get_logits_ith(ctx_, s.iBatch), llama_vocab_n_tokens(model_->vocab()), tok, t.nProbs, lp,
                ev.topTokens, ev.topLogprobs);
    ev.logprobs.push_back(lp);
  }
  emit(std::move(ev));
  s.pending = tok;
  if (s.nGenerated >= t.maxTokens) finishGenerate(s, "length");
  else if (s.cache.size() + 1 >= nCtxSeq_) finishGenerate(s, "length");
}

// An aLoRA slot still evaluating the prompt part before its invocation tokens runs without adapters.
static bool beforeAlora(const Slot &s) {
  return s.task->aloraStart >= 0 && s.state == SlotState::Prompt && (int64_t)s.nPromptDone < s.task->aloraStart;
}
static const std::string kNoLora;
static const std::string &slotLoraKey(const Slot &s) { return beforeAlora(s) ? kNoLora : s.task->loraKey; }

static bool sameLoraSet(const LoraSet &a, const LoraSet &b) { return a.handles == b.handles && a.scales == b.scales; }

void EngineCore::applyLoras(const LoraSet &set) {
  if (sameLoraSet(applied_, set)) return;
  applyLoraSet(ctx_, set);
  applied_ = set;
}

void EngineCore::step() {
  admit();
  if (!embedQueue_.empty()) runEmbeds();
  // One decode per distinct adapter set; the starting group rotates so no set always goes last.
  std::vector<std::string> keys;
  for (auto &s : slots_)
    if (s.task && std::find(keys.begin(), keys.end(), slotLoraKey(s)) == keys.end()) keys.push_back(slotLoraKey(s));
  if (keys.empty()) return;
  std::sort(keys.begin(), keys.end());
  // Start with the set already on the context: each step then costs keys.size() - 1 adapter switches (each
  // switch makes llama.cpp re-reserve its compute graph), and the cyclic order still shifts every step.
  size_t start = 0;
  if (keys.size() > 1) {
    auto cur = std::find(keys.begin(), keys.end(), applied_.key());
    start = cur != keys.end() ? (size_t)(cur - keys.begin()) : groupCursor_++ % keys.size();
  }
  for (size_t g = 0; g < keys.size(); g++) stepGroup(keys[(start + g) % keys.size()]);
}

void EngineCore::stepGroup(const std::string &key) {
  auto inGroup = [&](const Slot &s) { return s.task && slotLoraKey(s) == key; };
  llama_memory_t mem = llama_get_memory(ctx_);
  const int32_t cap = (int32_t)cfg_.nBatch;
  batch_.n_tokens = 0;
  struct Contrib {
    Slot *s;
    size_t cacheBefore, promptBefore;
  };
  std::vector<Contrib> contrib;
  for (auto &s : slots_) {
    s.iBatch = -1;
    if (s.state != SlotState::Generating || !inGroup(s)) continue;
    contrib.push_back({&s, s.cache.size(), s.nPromptDone});
    batchAdd(batch_, s.pending, (llama_pos)s.cache.size(), s.id, true);
    s.iBatch = batch_.n_tokens - 1;
    s.cache.push_back(s.pending);
  }
  // Scoring candidates: each gets a copy of the prefix's KV in its own sequence.
  for (auto &s : slots_) {
    if (s.state != SlotState::ScoreCandidates || !inGroup(s)) continue;
    while (!s.candTodo.empty()) {
      size_t c = s.candTodo.front();
      const auto &cand = s.task->candidates[c];
      int32_t need = (int32_t)cand.size() - 1;
      if (need > cap - batch_.n_tokens) break;
      llama_seq_id seq = s.id;
      if (auxFree_.empty()) {
        // No scoring sequences (scoreSequences: 0): one candidate at a time after the prefix in the slot's own
        // sequence, removed again after the decode.
        if (!s.candRunning.empty()) break;
      } else {
        auto fr = std::find(auxFree_.begin(), auxFree_.end(), true);
        if (fr == auxFree_.end()) break;
        *fr = false;
        seq = (llama_seq_id)(cfg_.parallel + (uint32_t)(fr - auxFree_.begin()));
        llama_memory_seq_cp(mem, s.id, seq, -1, -1);
      }
      s.candRunning.push_back({c, seq, batch_.n_tokens});
      for (int32_t j = 0; j < need; j++) batchAdd(batch_, cand[(size_t)j], (llama_pos)(s.cache.size() + (size_t)j), seq, true);
      s.candTodo.pop_front();
    }
  }
  // Prompt chunks fill the rest, oldest admission first.
  std::vector<Slot *> prompting;
  for (auto &s : slots_)
    if (s.state == SlotState::Prompt && inGroup(s)) prompting.push_back(&s);
  std::sort(prompting.begin(), prompting.end(), [](Slot *a, Slot *b) { return a->admitOrder < b->admitOrder; });
  for (Slot *s : prompting) {
    int32_t room = cap - batch_.n_tokens;
    if (room <= 0) break;
    const auto &prompt = s->task->prompt;
    size_t take = std::min((size_t)room, prompt.size() - s->nPromptDone);
    if (beforeAlora(*s)) take = std::min(take, (size_t)s->task->aloraStart - s->nPromptDone);
    contrib.push_back({s, s->cache.size(), s->nPromptDone});
    bool completes = s->nPromptDone + take == prompt.size();
    for (size_t k = 0; k < take; k++) {
      llama_token tok = prompt[s->nPromptDone + k];
      batchAdd(batch_, tok, (llama_pos)s->cache.size(), s->id, completes && k + 1 == take);
      s->cache.push_back(tok);
    }
    s->nPromptDone += take;
    if (completes) s->iBatch = batch_.n_tokens - 1;
  }
  if (batch_.n_tokens == 0) return;

  for (auto &s : slots_)
    if (inGroup(s)) {
      applyLoras(beforeAlora(s) ? LoraSet{} : s.task->loras);
      break;
    }
  int32_t ret;
  {
    LoraDecodeLock lk;
    ret = llama_decode(ctx_, batch_);
    if (ret == 1 && evictIdleCaches()) ret = llama_decode(ctx_, batch_);
  }
  if (ret != 0) {
    // Roll back this step's tokens so every cache mirrors its KV again.
    for (auto &c : contrib) {
      llama_memory_seq_rm(mem, c.s->id, (llama_pos)c.cacheBefore, -1);
      c.s->cache.resize(c.cacheBefore);
      c.s->nPromptDone = c.promptBefore;
      c.s->iBatch = -1;
    }
    for (auto &s : slots_) {
      for (auto it = s.candRunning.rbegin(); it != s.candRunning.rend(); ++it) {
        dropCandidateKv(s, it->seq);
        s.candTodo.push_front(it->cand);
      }
      s.candRunning.clear();
    }
    if (ret == 1) {
      // KV cache full: fail the most recently admitted request so the others can go on.
      Slot *victim = nullptr;
      for (auto &s : slots_)
        if (s.task && (!victim || s.admitOrder > victim->admitOrder)) victim = &s;
      if (victim)
        failSlot(*victim, "CONTEXT_OVERFLOW",
                 "the KV cache is full (nCtx is shared by all parallel sequences); raise nCtx or lower parallel");
    } else {
      for (auto &c : contrib)
        if (c.s->task) failSlot(*c.s, "NATIVE", "llama_decode failed with code " + std::to_string(ret));
      for (auto &s : slots_)
        if (s.task && s.state == SlotState::ScoreCandidates) failSlot(s, "NATIVE", "llama_decode failed with code " + std::to_string(ret));
    }
    return;
  }
  afterDecode();
}

void EngineCore::afterDecode() {
  int32_t nVocab = llama_vocab_n_tokens(model_->vocab());
  for (auto &s : slots_) {
    if (!s.task) continue;
    if (s.state == SlotState::Prompt && s.iBatch >= 0) {
      if (s.task->kind == TaskKind::Score) {
        onPrefixDone(s);
        continue;
      }
      s.state = SlotState::Generating;
    }
    if (s.state == SlotState::Generating && s.iBatch >= 0) {
      sampleSlot(s);
      continue;
    }
    if (s.state == SlotState::ScoreCandidates && !s.candRunning.empty()) {
      for (auto &r : s.candRunning) {
        const auto &cand = s.task->candidates[r.cand];
        for (size_t j = 0; j + 1 < cand.size(); j++) {
          const float *lg = llama_get_logits_ith(ctx_, r.iBatch + (int32_t)j);
          s.candLp[r.cand][j + 1] = (double)lg[cand[j + 1]] - logSumExp(lg, nVocab);
        }
        dropCandidateKv(s, r.seq);
      }
      s.candRunning.clear();
      if (s.candTodo.empty()) finishScore(s);
    }
  }
}

}  // namespace onramp
