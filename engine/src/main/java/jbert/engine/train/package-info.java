/**
 * The training step: {@link jbert.engine.train.TrainStep} puts the model's loss, backward, clipping,
 * the learning-rate schedule and AdamW together, once, for every caller.
 */
package jbert.engine.train;
