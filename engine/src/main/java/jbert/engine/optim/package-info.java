/**
 * Training: {@link jbert.engine.optim.AdamW} as torch.optim.AdamW, global-norm gradient clipping as
 * {@code torch.nn.utils.clip_grad_norm_}, and the learning-rate schedule HF's Trainer uses by default
 * (linear warmup, then linear decay to zero).
 */
package jbert.engine.optim;
