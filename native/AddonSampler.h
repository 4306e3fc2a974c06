// Sampling in C++: builds a llama_sampler chain from plain options, computes token log-probabilities, and
// converts JSON schemas to GBNF with llama.cpp's own converter (libllama-common).
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "llama.h"

namespace onramp {

struct SamplingConfig {
  float temperature = 0.8f;
  int32_t topK = 40;
  float topP = 0.95f;
  float minP = 0.05f;
  float typicalP = 1.0f;
  float repeatPenalty = 1.0f;
  float frequencyPenalty = 0.0f;
  float presencePenalty = 0.0f;
  int32_t penaltyLastN = 64;
  std::vector<llama_logit_bias> logitBias;
  uint32_t seed = LLAMA_DEFAULT_SEED;
  std::string grammar;  // GBNF, root rule "root"
};

// Reads the sampling fields of a JS options object (already validated in TS).
SamplingConfig readSampling(const Napi::Object &o, uint32_t defaultSeed);

// Builds the chain: logit bias, penalties, grammar, then greedy (temperature <= 0) or
// top-k, typical, top-p, min-p, temperature, dist. Returns nullptr and sets err when the grammar is invalid.
// With `grammarOut`, the grammar sampler is returned there instead of joining the chain (see sampleToken).
llama_sampler *buildSampler(const llama_vocab *vocab, const SamplingConfig &cfg, std::string &err,
                            llama_sampler **grammarOut = nullptr);

// Samples one token from raw logits and accepts it. With a grammar, as llama.cpp's common_sampler: sample
// without it first and only when the grammar rejects that token apply the grammar to the whole vocabulary and
// sample again (a full-vocabulary grammar pass costs tens of ms per token with a 150k vocabulary).
llama_token sampleToken(llama_sampler *chain, llama_sampler *grammar, const float *logits, int32_t nVocab,
                        std::vector<llama_token_data> &cur);

// True when the chain is greedy alone (no logit bias, penalties or grammar). The engine then takes the argmax
// of the logits directly instead of copying n_vocab candidates into a llama_token_data_array every token.
bool isPlainGreedy(const SamplingConfig &cfg);

// Index of the first maximum logit: the token llama_sampler_init_greedy would pick.
llama_token argmaxToken(const float *logits, int32_t nVocab);

// log(sum(exp(logits))) in double precision.
double logSumExp(const float *logits, int32_t n);

// The sampled token's logprob and the top n alternatives (sorted, descending) from raw logits.
void topLogprobs(const float *logits, int32_t nVocab, llama_token sampled, int32_t n, float &sampledLp,
                 std::vector<llama_token> &topTok, std::vector<float> &topLp);

struct AddonSampler {
  static void init(Napi::Env env, Napi::Object exports);
};

}  // namespace onramp
