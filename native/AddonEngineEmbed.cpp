// EngineCore embeddings: a second context (embeddings on, pooling none) created lazily on the engine thread.
// Queued inputs from all callers are packed into one batch, one sequence each; pooling happens here so every
// request can choose mean, cls, last or none.
#include <cstring>

#include "AddonEngine.h"

namespace onramp {

bool EngineCore::ensureEmbedCtx(std::string &err) {
  if (embedCtx_) return true;
  llama_context_params p = llama_context_default_params();
  p.n_ctx = cfg_.nBatch;  // the memory is cleared after every batch
  p.n_batch = cfg_.nBatch;
  p.n_ubatch = cfg_.nBatch;  // non-causal models need a whole sequence in one ubatch
  p.n_seq_max = nSeqMax_;
  p.n_threads = cfg_.threadsBatch;
  p.n_threads_batch = cfg_.threadsBatch;
  p.embeddings = true;
  p.pooling_type = LLAMA_POOLING_TYPE_NONE;
  p.kv_unified = true;
  p.no_perf = true;
  embedCtx_ = llama_init_from_model(model_->model, p);
  if (!embedCtx_) {
    err = "llama.cpp could not create the embedding context";
    return false;
  }
  if (pool_) llama_attach_threadpool(embedCtx_, poolBatch_ ? poolBatch_ : pool_, nullptr);
  embedBatch_ = llama_batch_init((int32_t)cfg_.nBatch, 0, 1);
  embedBatchInit_ = true;
  return true;
}

void EngineCore::runEmbeds() {
  std::string err;
  if (!ensureEmbedCtx(err)) {
    for (auto &t : embedQueue_) emit([&] {
        EngineEvent ev;
        ev.type = EngineEvent::Done;
        ev.id = t->id;
        ev.finish = "error";
        ev.errCode = "NATIVE";
        ev.errMessage = err;
        return ev;
      }());
    embedQueue_.clear();
    embedPartial_.clear();
    return;
  }
  struct Item {
    size_t task;
    int32_t start, n;
  };
  std::vector<Item> items;
  llama_batch &b = embedBatch_;
  b.n_tokens = 0;
  const int32_t cap = (int32_t)cfg_.nBatch;
  int32_t seq = 0;
  bool full = false;
  // One adapter set per batch: the oldest request's; requests with other sets go in a later step.
  const std::shared_ptr<EngineTask> head = embedQueue_.front();
  for (size_t ti = 0; ti < embedQueue_.size() && !full; ti++) {
    const EngineTask &t = *embedQueue_[ti];
    if (t.loraKey != head->loraKey) continue;
    size_t next = embedPartial_[ti].size();
    for (const auto &it : items)
      if (it.task == ti) next++;
    while (next < t.inputs.size()) {
      const auto &toks = t.inputs[next];
      if ((int32_t)toks.size() > cap - b.n_tokens || seq >= (int32_t)nSeqMax_) {
        full = true;
        break;
      }
      items.push_back({ti, b.n_tokens, (int32_t)toks.size()});
      for (size_t k = 0; k < toks.size(); k++) {
        int32_t i = b.n_tokens++;
        b.token[i] = toks[k];
        b.pos[i] = (llama_pos)k;
        b.n_seq_id[i] = 1;
        b.seq_id[i][0] = seq;
        b.logits[i] = true;
      }
      seq++;
      next++;
    }
  }
  if (items.empty()) {
    // The head input cannot fit (TS keeps inputs within nBatch, so this is a bug guard).
    EngineEvent ev;
    ev.type = EngineEvent::Done;
    ev.id = embedQueue_.front()->id;
    ev.finish = "error";
    ev.errCode = "CONTEXT_OVERFLOW";
    ev.errMessage = "an embedding input is longer than nBatch";
    emit(std::move(ev));
    embedQueue_.pop_front();
    embedPartial_.erase(embedPartial_.begin());
    return;
  }
  if (!(embedApplied_.handles == head->loras.handles && embedApplied_.scales == head->loras.scales)) {
    applyLoraSet(embedCtx_, head->loras);
    embedApplied_ = head->loras;
  }
  int32_t ret;
  {
    LoraDecodeLock lk;
    ret = llama_decode(embedCtx_, b);
  }
  llama_memory_t mem = llama_get_memory(embedCtx_);
  if (ret != 0) {
    llama_memory_clear(mem, true);
    for (auto &t : embedQueue_) {
      EngineEvent ev;
      ev.type = EngineEvent::Done;
      ev.id = t->id;
      ev.finish = "error";
      ev.errCode = "NATIVE";
      ev.errMessage = "llama_decode (embeddings) failed with code " + std::to_string(ret);
      emit(std::move(ev));
    }
    embedQueue_.clear();
    embedPartial_.clear();
    return;
  }
  const int32_t dim = llama_model_n_embd_out(model_->model);
  for (const auto &it : items) {
    const EngineTask &t = *embedQueue_[it.task];
    std::vector<float> v;
    if (t.pooling == Pooling::None) {
      v.resize((size_t)dim * (size_t)it.n);
      for (int32_t k = 0; k < it.n; k++)
        std::memcpy(v.data() + (size_t)k * dim, llama_get_embeddings_ith(embedCtx_, it.start + k), sizeof(float) * (size_t)dim);
    } else if (t.pooling == Pooling::Mean) {
      std::vector<double> acc((size_t)dim, 0.0);
      for (int32_t k = 0; k < it.n; k++) {
        const float *row = llama_get_embeddings_ith(embedCtx_, it.start + k);
        for (int32_t d = 0; d < dim; d++) acc[(size_t)d] += row[d];
      }
      v.resize((size_t)dim);
      for (int32_t d = 0; d < dim; d++) v[(size_t)d] = (float)(acc[(size_t)d] / it.n);
    } else {
      const float *row = llama_get_embeddings_ith(embedCtx_, t.pooling == Pooling::Cls ? it.start : it.start + it.n - 1);
      v.assign(row, row + dim);
    }
    embedPartial_[it.task].push_back(std::move(v));
  }
  llama_memory_clear(mem, true);
  for (size_t ti = 0; ti < embedQueue_.size();) {
    const EngineTask &t = *embedQueue_[ti];
    if (embedPartial_[ti].size() < t.inputs.size()) {
      ti++;
      continue;
    }
    EngineEvent ev;
    ev.type = EngineEvent::Embed;
    ev.id = t.id;
    ev.dim = dim;
    for (const auto &in : t.inputs) ev.nTokens.push_back((int32_t)in.size());
    ev.vectors = std::move(embedPartial_[ti]);
    emit(std::move(ev));
    embedQueue_.erase(embedQueue_.begin() + (long)ti);
    embedPartial_.erase(embedPartial_.begin() + (long)ti);
  }
}

}  // namespace onramp
